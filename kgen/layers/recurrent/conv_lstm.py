"""ConvLSTMCell and ConvLSTM1D/2D/3D: an LSTM whose matrix products are convolutions.

The input convolution uses the layer's strides, padding and dilation; the recurrent one is
always stride 1, 'same' padding, so the state keeps the shape of the input convolution's
output. Gate blocks [i, f, c, o] along the channel axis, as in LSTM.
"""

from __future__ import annotations

import numpy as np

from kgen import activations, initializers
from kgen.engine import ops
from kgen.engine.ops.conv import conv_output_length
from kgen.graph.input_spec import InputSpec
from kgen.layers.convolutional import normalize_data_format, normalize_padding, normalize_tuple
from kgen.layers.recurrent.base import RNN, _Cell, _cell_property, _ForgetBiasOnes


class ConvLSTMCell(_Cell):
    """One step of a convolutional LSTM over `rank` spatial axes.

        z = conv(x, kernel) + bias + conv_same(h_prev, recurrent_kernel), blocks [i, f, c, o]
        i, f, o = recurrent_activation(...);  c = f * c_prev + i * activation(z_c);  h = o * activation(c)

    Args:
        rank: number of spatial axes. filters: channels of the state and output.
        kernel_size, strides, padding, data_format, dilation_rate: of the input convolution.
        activation, recurrent_activation, use_bias, unit_forget_bias, initializers, dropout,
        recurrent_dropout: as LSTMCell.

    Call: `cell(x_t, [h_prev, c_prev]) -> (h, [h, c])`, x_t `(batch, *spatial, channels)`.
    Weights: kernel `(*kernel_size, channels, 4*filters)`, recurrent_kernel
        `(*kernel_size, filters, 4*filters)`, bias `(4*filters,)`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.rank = int(rank)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"Layer '{self.name}': `filters` must be a positive integer; received filters={filters!r}.")
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        self.padding = normalize_padding(padding, ("valid", "same"), self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", self.name)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"Layer '{self.name}': strides > 1 cannot be combined with dilation_rate > 1; received "
                f"strides={self.strides}, dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, recurrent_constraint
        self.bias_constraint = bias_constraint
        self.units = self.filters
        self.state_size = [self.filters, self.filters]
        self.output_size = self.filters

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        self.spatial_dims = tuple(input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:])
        if channels is None or None in self.spatial_dims:
            raise ValueError(
                f"Layer '{self.name}' (ConvLSTM) needs known spatial and channel sizes; received "
                f"step input_shape={tuple(input_shape)}."
            )
        self.input_dim = channels
        k4 = 4 * self.filters
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels, k4),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=self.kernel_size + (self.filters, k4),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        init = _ForgetBiasOnes(self.bias_initializer) if self.unit_forget_bias else self.bias_initializer
        self.bias = self.add_weight(name="bias", shape=(k4,), initializer=init, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def output_shape_for(self, step_shape):
        """The state / output shape for a step input of shape `step_shape`."""
        first = self.data_format == "channels_first"
        spatial = step_shape[2:] if first else step_shape[1:-1]
        new = tuple(conv_output_length(n, k, self.padding, s, d)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        return (step_shape[0], self.filters) + new if first else (step_shape[0],) + new + (self.filters,)

    def _state_shape(self, step_input_shape):
        return self.output_shape_for(step_input_shape)

    def get_initial_state(self, batch_size=None):
        if self.data_format == "channels_last":
            step = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            step = (batch_size, self.input_dim) + self.spatial_dims
        shape = self.output_shape_for(step)
        return [np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)]

    def _project(self, x, dp):
        sequence = len(x.shape) == self.rank + 3
        if dp is not None:
            x = ops.multiply(x, dp[:, None] if sequence else dp)
        lead = tuple(x.shape[:2]) if sequence else None
        if sequence:
            x = ops.reshape(x, (lead[0] * lead[1],) + tuple(x.shape[2:]))
        z = ops.conv(x, self.kernel, strides=self.strides, padding=self.padding, data_format=self.data_format,
                     dilation_rate=self.dilation_rate)
        if self.bias is not None:
            bias = self.bias if self.data_format == "channels_last" else ops.reshape(self.bias, (-1,) + (1,) * self.rank)
            z = ops.add(z, bias)
        if sequence:
            z = ops.reshape(z, lead + tuple(z.shape[1:]))
        return z

    def _block(self, z, k):
        index = [slice(None)] * len(z.shape)
        index[self._channel_axis] = slice(k * self.filters, (k + 1) * self.filters)
        return z[tuple(index)]

    def _step(self, xp, states, rdp):
        h, c = states[0], states[1]
        if rdp is not None:
            h = ops.multiply(h, rdp)
        z = ops.add(xp, ops.conv(h, self.recurrent_kernel, strides=1, padding="same", data_format=self.data_format))
        i = self.recurrent_activation(self._block(z, 0))
        f = self.recurrent_activation(self._block(z, 1))
        g = self.activation(self._block(z, 2))
        o = self.recurrent_activation(self._block(z, 3))
        c = ops.add(ops.multiply(f, c), ops.multiply(i, g))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.pop("units")
        return {
            **config, "rank": self.rank, "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias, "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        }


class _ConvLSTM(RNN):
    """Shared by ConvLSTM1D/2D/3D: an RNN over a ConvLSTMCell of the class's rank."""

    rank = 2
    filters = _cell_property("filters")
    kernel_size = _cell_property("kernel_size")
    strides = _cell_property("strides")
    padding = _cell_property("padding")
    data_format = _cell_property("data_format")
    dilation_rate = _cell_property("dilation_rate")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        cell = ConvLSTMCell(self.rank, filters, kernel_size, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                            recurrent_activation=recurrent_activation, use_bias=use_bias,
                            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
                            trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def build(self, sequences_shape, initial_state_shape=None):
        super().build(sequences_shape)
        self.input_spec = InputSpec(ndim=self.rank + 3, axes={self.cell._channel_axis: self.cell.input_dim})

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        step = self.cell.output_shape_for((sequences_shape[0],) + tuple(sequences_shape[2:]))
        output = (step[0], sequences_shape[1]) + tuple(step[1:]) if self.return_sequences else step
        return (output, step, step) if self.return_state else output

    def get_config(self):
        config = {**self.cell.get_config(), **super().get_config()}
        config.pop("rank")
        return config


_DOC = """{rank}-D convolutional LSTM: an LSTM over sequences of {what}, with convolutions for products.

    Args:
        filters: channels of the state and output.
        kernel_size, strides, padding ('valid' | 'same'), data_format, dilation_rate: of the
            input convolution (the recurrent one is stride 1, 'same').
        activation, recurrent_activation, use_bias, unit_forget_bias, initializers, dropout,
        recurrent_dropout: see ConvLSTMCell. return_sequences, return_state, go_backwards,
        stateful: see RNN.

    Input shape: `(batch, timesteps, {spatial}, channels)` (channels_last).
    Output shape: `(batch, {new_spatial}, filters)`, or `(batch, timesteps, {new_spatial}, filters)`
        with return_sequences; each new size as for Conv{rank}D.
    Weights (in the cell): kernel `(*kernel_size, channels, 4*filters)`, recurrent_kernel
        `(*kernel_size, filters, 4*filters)`, bias `(4*filters,)`.

    >>> {example}
    """


class ConvLSTM1D(_ConvLSTM):
    __doc__ = _DOC.format(rank=1, what="1-D signals", spatial="steps", new_spatial="new_steps",
                          example="ConvLSTM1D(4, 3)(np.zeros((2, 5, 8, 1), 'float32')).shape\n    (2, 6, 4)")
    rank = 1


class ConvLSTM2D(_ConvLSTM):
    __doc__ = _DOC.format(rank=2, what="images", spatial="rows, cols", new_spatial="new_rows, new_cols",
                          example="ConvLSTM2D(4, (3, 3), padding='same')(np.zeros((2, 5, 8, 8, 1), 'float32')).shape"
                                  "\n    (2, 8, 8, 4)")
    rank = 2


class ConvLSTM3D(_ConvLSTM):
    __doc__ = _DOC.format(rank=3, what="volumes", spatial="d1, d2, d3", new_spatial="new_d1, new_d2, new_d3",
                          example="ConvLSTM3D(2, 3)(np.zeros((1, 3, 4, 4, 4, 1), 'float32')).shape\n    (1, 2, 2, 2, 2)")
    rank = 3
