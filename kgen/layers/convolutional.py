"""Convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, SeparableConv1D/2D, DepthwiseConv1D/2D.

One base class per kind holds the shared logic (argument checks, weights from the input's
channel axis, shape rule, config); the public classes only fix the number of spatial axes.
The maths is `kgen.engine.ops.conv` (numba kernels, CUDA when available).
"""

from __future__ import annotations

import numpy as np

from kgen import activations, initializers
from kgen.engine import ops
from kgen.engine.ops.conv import conv_output_length, conv_transpose_output_length
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer


def normalize_tuple(value, n, name, layer_name):
    """An int or a sequence of n ints as a tuple of n positive ints (Keras' argument rule)."""
    if isinstance(value, (int, np.integer)):
        value = (int(value),) * n
    try:
        value = tuple(int(v) for v in value)
    except TypeError as e:
        raise ValueError(f"Layer '{layer_name}': `{name}` must be an int or a tuple of {n} ints; received {name}={value!r}.") from e
    if len(value) != n or any(v < 1 for v in value):
        raise ValueError(
            f"Layer '{layer_name}': `{name}` must be an int or a tuple of {n} positive ints; "
            f"received {name}={value!r}."
        )
    return value


def normalize_data_format(value, layer_name):
    value = (value or "channels_last").lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"Layer '{layer_name}': data_format must be 'channels_last' or 'channels_first'; received {value!r}."
        )
    return value


def normalize_padding(value, allowed, layer_name):
    value = str(value).lower()
    if value not in allowed:
        raise ValueError(
            f"Layer '{layer_name}': padding must be one of {', '.join(repr(a) for a in allowed)}; "
            f"received padding={value!r}."
        )
    return value


class _Conv(Layer):
    """Shared logic of every convolution layer (rank = number of spatial axes)."""

    rank = 2
    paddings = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if filters is not None and (not isinstance(filters, (int, np.integer)) or filters <= 0):
            raise ValueError(
                f"Layer '{self.name}': `filters` must be a positive integer; received filters={filters!r}."
            )
        self.filters = None if filters is None else int(filters)
        self.groups = int(groups)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.paddings, self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"Layer '{self.name}': strides > 1 cannot be combined with dilation_rate > 1. Received "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}; set one of them to 1."
            )
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(
                f"Layer '{self.name}': filters must be divisible by groups; received filters={self.filters}, "
                f"groups={self.groups}."
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _input_channels(self, input_shape):
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs a known channel axis ({self.data_format}) "
                f"to size its kernel; received input_shape={tuple(input_shape)}."
            )
        return channels

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}': the number of input channels must be divisible by groups; received "
                f"{channels} channels (input_shape={tuple(input_shape)}), groups={self.groups}."
            )
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self._build_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def _build_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _finish(self, y):
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            y = ops.add(y, bias)
        return self.activation(y)

    def call(self, inputs):
        y = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding, data_format=self.data_format,
                     dilation_rate=self.dilation_rate, groups=self.groups)
        return self._finish(y)

    def _spatial(self, input_shape):
        return input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]

    def _with_spatial(self, input_shape, spatial, channels):
        if self.data_format == "channels_last":
            return (input_shape[0],) + tuple(spatial) + (channels,)
        return (input_shape[0], channels) + tuple(spatial)

    def compute_output_shape(self, input_shape):
        spatial = [
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate)
        ]
        return self._with_spatial(input_shape, spatial, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }


_CONV_DOC = """{rank}-D convolution: `activation(conv(inputs, kernel) + bias)` (cross-correlation, no flip).

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of {rank} ints, the window size.
        strides: int or tuple of {rank} ints (>1 cannot be combined with dilation_rate > 1).
        padding: {paddings} ('same' pads as TensorFlow: output ceil(n/stride), the smaller half
            before{causal}).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or tuple of {rank} ints, spacing between kernel taps.
        groups: split the channels into this many independent convolutions.
        activation, use_bias, kernel_initializer, bias_initializer: as for Dense.

    Input shape: `(batch, {spatial}, channels)` (channels_last) or `(batch, channels, {spatial})`.
    Output shape: `(batch, {new_spatial}, filters)` (or channels first), each new size being
        `(n + pad - dilation*(k-1) - 1) // stride + 1`.
    Weights: kernel `(*kernel_size, channels // groups, filters)`, bias `(filters,)`.

    >>> {example}
    """


class Conv1D(_Conv):
    __doc__ = _CONV_DOC.format(
        rank=1, paddings="'valid', 'same' or 'causal'", causal="; 'causal' pads (k-1)*dilation before, so "
        "output t sees inputs up to t only", spatial="steps", new_spatial="new_steps",
        example="Conv1D(4, 3)(np.zeros((2, 10, 3), 'float32')).shape\n    (2, 8, 4)",
    )
    rank = 1
    paddings = ("valid", "same", "causal")


class Conv2D(_Conv):
    __doc__ = _CONV_DOC.format(
        rank=2, paddings="'valid' or 'same'", causal="", spatial="rows, cols", new_spatial="new_rows, new_cols",
        example="Conv2D(8, (3, 3), padding='same')(np.zeros((2, 28, 28, 1), 'float32')).shape\n    (2, 28, 28, 8)",
    )
    rank = 2


class Conv3D(_Conv):
    __doc__ = _CONV_DOC.format(
        rank=3, paddings="'valid' or 'same'", causal="", spatial="d1, d2, d3", new_spatial="new_d1, new_d2, new_d3",
        example="Conv3D(2, 3)(np.zeros((1, 5, 5, 5, 1), 'float32')).shape\n    (1, 3, 3, 3, 2)",
    )
    rank = 3


# --------------------------------------------------------------------------- transposed


class _ConvTranspose(_Conv):
    """Shared logic of the transposed convolutions (kernel `(*k, filters, channels)`)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            if isinstance(output_padding, (int, np.integer)):
                output_padding = (int(output_padding),) * self.rank
            self.output_padding = tuple(int(p) for p in output_padding)
            for p, s in zip(self.output_padding, self.strides):
                if not 0 <= p < s:
                    raise ValueError(
                        f"Layer '{self.name}': each output_padding must be >= 0 and smaller than the stride; "
                        f"received output_padding={self.output_padding}, strides={self.strides}."
                    )

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self._build_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def call(self, inputs):
        y = ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                               output_padding=self.output_padding, data_format=self.data_format,
                               dilation_rate=self.dilation_rate)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        out_pad = self.output_padding or (None,) * self.rank
        spatial = [
            conv_transpose_output_length(n, k, self.padding, p, s, d)
            for n, k, p, s, d in zip(self._spatial(input_shape), self.kernel_size, out_pad, self.strides, self.dilation_rate)
        ]
        return self._with_spatial(input_shape, spatial, self.filters)

    def get_config(self):
        config = {**super().get_config(), "output_padding": self.output_padding}
        config.pop("groups")
        return config


_TRANSPOSE_DOC = """{rank}-D transposed convolution ("deconvolution"): the adjoint of a {rank}-D convolution.

    Each input position i adds `x[i] @ kernel[a].T` to output position `i*stride + a*dilation`;
    'valid' keeps the whole result (`(n-1)*stride + max(k, stride)` long), 'same' keeps
    `n*stride` of it (cropping `(k - stride) // 2` at the start, TensorFlow's rule).

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of {rank} ints.
        padding: 'valid' or 'same'. output_padding: extra length at the end (< stride).
        data_format, activation, use_bias, initializers: as for Conv{rank}D.

    Input shape: `(batch, {spatial}, channels)` (channels_last).
    Output shape: `(batch, {new_spatial}, filters)`.
    Weights: kernel `(*kernel_size, filters, channels)` (note: output channels first), bias `(filters,)`.

    >>> {example}
    """


class Conv1DTranspose(_ConvTranspose):
    __doc__ = _TRANSPOSE_DOC.format(rank=1, spatial="steps", new_spatial="new_steps",
                                    example="Conv1DTranspose(4, 3, strides=2)(np.zeros((1, 5, 2), 'float32')).shape\n    (1, 11, 4)")
    rank = 1


class Conv2DTranspose(_ConvTranspose):
    __doc__ = _TRANSPOSE_DOC.format(rank=2, spatial="rows, cols", new_spatial="new_rows, new_cols",
                                    example="Conv2DTranspose(3, 3, strides=2, padding='same')(np.zeros((1, 4, 4, 2), 'float32')).shape\n    (1, 8, 8, 3)")
    rank = 2


class Conv3DTranspose(_ConvTranspose):
    __doc__ = _TRANSPOSE_DOC.format(rank=3, spatial="d1, d2, d3", new_spatial="new_d1, new_d2, new_d3",
                                    example="Conv3DTranspose(2, 2, strides=2)(np.zeros((1, 2, 2, 2, 1), 'float32')).shape\n    (1, 4, 4, 4, 2)")
    rank = 3


# --------------------------------------------------------------------------- depthwise / separable


class _DepthwiseConv(_Conv):
    """Shared logic of DepthwiseConv1D/2D: each channel filtered on its own."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        if not isinstance(depth_multiplier, (int, np.integer)) or depth_multiplier < 1:
            raise ValueError(
                f"Layer '{self.name}': depth_multiplier must be a positive integer; received {depth_multiplier!r}."
            )
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self._build_bias(channels * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def call(self, inputs):
        y = ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        shape = super().compute_output_shape(input_shape)
        channels = input_shape[self._channel_axis]
        return self._with_spatial(input_shape, self._spatial(shape), None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        config = {**super().get_config(), "depth_multiplier": self.depth_multiplier}
        for key in ("filters", "groups"):
            config.pop(key)
        config["depthwise_initializer"] = config.pop("kernel_initializer")
        return config


_DEPTHWISE_DOC = """{rank}-D depthwise convolution: every input channel convolved with its own filters.

    Args:
        kernel_size, strides, dilation_rate: int or tuple of {rank} ints.
        padding: 'valid' or 'same'.
        depth_multiplier: filters per input channel; output channel `c*depth_multiplier + m`
            is channel c filtered by `kernel[..., c, m]`.
        data_format, activation, use_bias, depthwise_initializer, bias_initializer.

    Input shape: `(batch, {spatial}, channels)` (channels_last).
    Output shape: `(batch, {new_spatial}, channels * depth_multiplier)`.
    Weights: kernel `(*kernel_size, channels, depth_multiplier)`, bias `(channels * depth_multiplier,)`.

    >>> {example}
    """


class DepthwiseConv1D(_DepthwiseConv):
    __doc__ = _DEPTHWISE_DOC.format(rank=1, spatial="steps", new_spatial="new_steps",
                                    example="DepthwiseConv1D(3, depth_multiplier=2)(np.zeros((1, 6, 3), 'float32')).shape\n    (1, 4, 6)")
    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    __doc__ = _DEPTHWISE_DOC.format(rank=2, spatial="rows, cols", new_spatial="new_rows, new_cols",
                                    example="DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((1, 6, 6, 3), 'float32')).shape\n    (1, 4, 4, 6)")
    rank = 2


class _SeparableConv(_Conv):
    """Shared logic of SeparableConv1D/2D: a depthwise convolution, then a 1x1 convolution."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        if not isinstance(depth_multiplier, (int, np.integer)) or depth_multiplier < 1:
            raise ValueError(
                f"Layer '{self.name}': depth_multiplier must be a positive integer; received {depth_multiplier!r}."
            )
        self.depth_multiplier = int(depth_multiplier)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = pointwise_regularizer
        self.pointwise_constraint = pointwise_constraint

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._build_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def call(self, inputs):
        y = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
                               padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._finish(y)

    def get_config(self):
        config = {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                  "pointwise_initializer": initializers.serialize(self.pointwise_initializer)}
        config.pop("groups")
        config["depthwise_initializer"] = config.pop("kernel_initializer")
        return config


_SEPARABLE_DOC = """{rank}-D separable convolution: a depthwise convolution, then a pointwise (1x1) one.

    Args:
        filters: output channels of the pointwise step.
        kernel_size, strides, dilation_rate: int or tuple of {rank} ints (depthwise step).
        padding: 'valid' or 'same'. depth_multiplier: depthwise filters per input channel.
        data_format, activation, use_bias, depthwise/pointwise/bias initializers.

    Input shape: `(batch, {spatial}, channels)` (channels_last).
    Output shape: `(batch, {new_spatial}, filters)`.
    Weights: depthwise_kernel `(*kernel_size, channels, depth_multiplier)`, pointwise_kernel
        `({ones}channels * depth_multiplier, filters)`, bias `(filters,)`.

    >>> {example}
    """


class SeparableConv1D(_SeparableConv):
    __doc__ = _SEPARABLE_DOC.format(rank=1, spatial="steps", new_spatial="new_steps", ones="1, ",
                                    example="SeparableConv1D(4, 3)(np.zeros((1, 6, 3), 'float32')).shape\n    (1, 4, 4)")
    rank = 1


class SeparableConv2D(_SeparableConv):
    __doc__ = _SEPARABLE_DOC.format(rank=2, spatial="rows, cols", new_spatial="new_rows, new_cols", ones="1, 1, ",
                                    example="SeparableConv2D(4, 3, depth_multiplier=2)(np.zeros((1, 6, 6, 3), 'float32')).shape\n    (1, 4, 4, 4)")
    rank = 2


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
