"""GRUCell and GRU: the Gated Recurrent Unit, Keras' gate order [z, r, h], both reset_after variants."""

from __future__ import annotations

import numpy as np

from kgen import activations
from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.layers.recurrent.base import RNN, _Cell, _cell_property, _fused_name


class GRUCell(_Cell):
    """One step of a Gated Recurrent Unit (Cho et al., 2014), Keras' variants.

        blocks [z, r, h] of kernel / recurrent_kernel / bias
        z, r = recurrent_activation(x Wz + h Uz + b, x Wr + h Ur + b)
        reset_after=True (default):  hh = activation(x Wh + b0h + r * (h Uh + b1h))
        reset_after=False:           hh = activation(x Wh + (r * h) Uh + bh)
        h = z * h_prev + (1 - z) * hh

    Args:
        units, activation, recurrent_activation, use_bias, initializers, dropout,
        recurrent_dropout: as LSTMCell. reset_after: where the reset gate applies.

    Call: `cell(x_t, [h_prev]) -> (h, [h])`.
    Weights: kernel `(features, 3*units)`, recurrent_kernel `(units, 3*units)`, bias
        `(2, 3*units)` (row 0 input bias, row 1 recurrent bias) with reset_after, else `(3*units,)`.

    >>> RNN(GRUCell(4))(np.zeros((2, 5, 3), 'float32')).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 reset_after=True, implementation=2, **kwargs):
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._init_weights_args(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                                kernel_constraint, recurrent_constraint, bias_constraint)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._weights_from(self._input_dim(input_shape), 3)
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.bias = self.add_weight(name="bias", shape=shape, initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _input_bias(self):
        if not self.use_bias:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def _recurrent_bias(self):
        if self.use_bias and self.reset_after:
            return self.bias[1]
        return np.zeros(3 * self.units, dtype=np.float32)

    def _step(self, xp, states, rdp):
        h = states[0]
        hm = h if rdp is None else ops.multiply(h, rdp)
        u = self.units
        if self.reset_after:
            inner = ops.add(ops.matmul(hm, self.recurrent_kernel), self._recurrent_bias())
            z = self.recurrent_activation(ops.add(xp[:, :u], inner[:, :u]))
            r = self.recurrent_activation(ops.add(xp[:, u:2 * u], inner[:, u:2 * u]))
            hh = self.activation(ops.add(xp[:, 2 * u:], ops.multiply(r, inner[:, 2 * u:])))
        else:
            inner = ops.matmul(hm, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(ops.add(xp[:, :u], inner[:, :u]))
            r = self.recurrent_activation(ops.add(xp[:, u:2 * u], inner[:, u:]))
            hh = self.activation(ops.add(xp[:, 2 * u:], ops.matmul(ops.multiply(r, hm), self.recurrent_kernel[:, 2 * u:])))
        h = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), hh))
        return h, [h]

    def _scan(self, x, states, mask, dp, rdp):
        act, ract = _fused_name(self.activation), _fused_name(self.recurrent_activation)
        if act is None or ract is None:
            return None
        H = ops.gru_scan(self._project(x, dp), self.recurrent_kernel, self._recurrent_bias(), states[0],
                         activation=act, recurrent_activation=ract, reset_after=self.reset_after, mask=mask, rmask=rdp)
        return H, [H[:, -1]]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class GRU(RNN):
    """Gated Recurrent Unit layer (Cho et al., 2014); see GRUCell for the step and reset_after.

    Args:
        units: size of the state and output.
        activation (tanh), recurrent_activation (sigmoid), use_bias, initializers, dropout,
        recurrent_dropout, reset_after (True): see GRUCell.
        return_sequences, return_state, go_backwards, stateful, unroll: see RNN.

    Input shape: `(batch, timesteps, features)`.
    Output shape: `(batch, units)`, or `(batch, timesteps, units)` with return_sequences.
    Weights (in the cell): kernel `(features, 3*units)`, recurrent_kernel `(units, 3*units)`, bias
        `(2, 3*units)` (reset_after=True) or `(3*units,)`, gate blocks [z, r, h].

    >>> GRU(4)(np.zeros((2, 5, 3), 'float32')).shape
    (2, 4)
    """

    units = _cell_property("units")
    activation = _cell_property("activation")
    recurrent_activation = _cell_property("recurrent_activation")
    use_bias = _cell_property("use_bias")
    reset_after = _cell_property("reset_after")
    dropout = _cell_property("dropout")
    recurrent_dropout = _cell_property("recurrent_dropout")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", implementation=2, **kwargs):
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                       seed=seed, reset_after=reset_after, name="gru_cell", trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        return {**self.cell.get_config(), **super().get_config()}
