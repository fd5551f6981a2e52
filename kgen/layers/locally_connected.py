"""LocallyConnected1D and LocallyConnected2D: convolutions whose weights differ at every position.

Keras 2 layers (Keras 3 dropped them; the tutorials still teach them), with Keras 2's
weight layout (`implementation=1`): kernel `(positions, window_size * channels, filters)`,
each window flattened in the input's own order, positions in row-major order. Only 'valid'
padding, as in Keras 2.

The computation gathers every window at once (`x[:, index]`, an engine op), then one
batched matmul multiplies each position's window by that position's kernel.
"""

from __future__ import annotations

import numpy as np

from kgen import activations, initializers
from kgen.engine import ops
from kgen.engine.ops.conv import conv_output_length
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.layers.convolutional import normalize_data_format, normalize_tuple


class _LocallyConnected(Layer):
    """Shared logic of LocallyConnected1D/2D (rank = number of spatial axes)."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"Layer '{self.name}': `filters` must be a positive integer; received filters={filters!r}.")
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        if str(padding).lower() != "valid":
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) supports only padding='valid' (as Keras 2); received "
                f"padding={padding!r}. Pad the input first with ZeroPadding{self.rank}D if you need 'same'."
            )
        self.padding = "valid"
        self.data_format = normalize_data_format(data_format, self.name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.implementation = implementation
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, input_shape):
        return tuple(input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:])

    def _output_spatial(self, input_shape):
        return tuple(conv_output_length(n, k, "valid", s)
                     for n, k, s in zip(self._spatial(input_shape), self.kernel_size, self.strides))

    def build(self, input_shape):
        spatial, channels = self._spatial(input_shape), input_shape[self._channel_axis]
        if None in spatial or channels is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs fully known input sizes (its weights differ per "
                f"position); received input_shape={tuple(input_shape)}."
            )
        out = self._output_spatial(input_shape)
        if min(out) <= 0:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): kernel_size {self.kernel_size} does not fit in the "
                f"input {tuple(input_shape)} (output size {out}). Use a smaller kernel or a larger input."
            )
        positions = int(np.prod(out))
        self.kernel = self.add_weight(name="kernel", shape=(positions, int(np.prod(self.kernel_size)) * channels,
                                                             self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=out + (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def _windows(self, inputs, out):
        """(batch, positions, window values) with each window in Keras 2's flattening order."""
        index = [np.arange(o)[:, None] * s + np.arange(k)[None, :] for o, k, s in zip(out, self.kernel_size, self.strides)]
        if self.rank == 2:  # rows (Ho, 1, KH, 1) x cols (1, Wo, 1, KW) -> (Ho, Wo, KH, KW)
            index = [index[0][:, None, :, None], index[1][None, :, None, :]]
        batch = inputs.shape[0]
        if self.data_format == "channels_last":  # (N, *out, *k, C): windows flattened as (k.., c)
            patches = inputs[(slice(None),) + tuple(index) + (slice(None),)]
        else:  # (N, C, *out, *k) -> (N, *out, C, *k): windows flattened as (c, k..)
            patches = inputs[(slice(None), slice(None)) + tuple(index)]
            r = self.rank
            patches = ops.transpose(patches, (0,) + tuple(range(2, 2 + r)) + (1,) + tuple(range(2 + r, 2 + 2 * r)))
        return ops.reshape(patches, (batch, int(np.prod(out)), -1))

    def call(self, inputs):
        out = self._output_spatial(tuple(inputs.shape))
        windows = ops.transpose(self._windows(inputs, out), (1, 0, 2))  # (positions, N, window)
        y = ops.transpose(ops.matmul(windows, self.kernel), (1, 0, 2))  # (N, positions, filters)
        y = ops.reshape(y, (inputs.shape[0],) + out + (self.filters,))
        if self.bias is not None:
            y = ops.add(y, self.bias)
        if self.data_format == "channels_first":
            y = ops.transpose(y, (0, self.rank + 1) + tuple(range(1, self.rank + 1)))
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        out = self._output_spatial(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (self.filters,)
        return (input_shape[0], self.filters) + out

    def get_config(self):
        return {
            **super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer), "implementation": self.implementation,
        }


class LocallyConnected1D(_LocallyConnected):
    """Like Conv1D, but every output position has its own weights (unshared).

    Args:
        filters: output channels. kernel_size, strides: int or tuple of 1 int.
        padding: 'valid' only. data_format: 'channels_last' (default) or 'channels_first'.
        activation, use_bias, kernel_initializer, bias_initializer: as Conv1D.

    Input shape: `(batch, steps, channels)` with known steps.
    Output shape: `(batch, new_steps, filters)`, new_steps = (steps - kernel_size) // strides + 1.
    Weights: kernel `(new_steps, kernel_size * channels, filters)`, bias `(new_steps, filters)`;
        `new_steps * (kernel_size * channels * filters) + new_steps * filters` parameters.

    >>> LocallyConnected1D(64, 3)(np.zeros((2, 10, 32), 'float32')).shape
    (2, 8, 64)
    """

    rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Like Conv2D, but every output position has its own weights (unshared).

    Args:
        filters: output channels. kernel_size, strides: int or tuple of 2 ints.
        padding: 'valid' only. data_format: 'channels_last' (default) or 'channels_first'.
        activation, use_bias, kernel_initializer, bias_initializer: as Conv2D.

    Input shape: `(batch, rows, cols, channels)` with known rows and cols (channels_last).
    Output shape: `(batch, new_rows, new_cols, filters)`.
    Weights: kernel `(new_rows * new_cols, kh * kw * channels, filters)`, bias
        `(new_rows, new_cols, filters)`; e.g. LocallyConnected2D(64, (3, 3)) on (32, 32, 3) has
        30*30*3*3*3*64 + 30*30*64 parameters.

    >>> LocallyConnected2D(64, (3, 3))(np.zeros((1, 32, 32, 3), 'float32')).shape
    (1, 30, 30, 64)
    """

    rank = 2
