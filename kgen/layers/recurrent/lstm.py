"""LSTMCell and LSTM: Long Short-Term Memory, Keras' gate order [i, f, c, o]."""

from __future__ import annotations

from kgen import activations
from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.layers.recurrent.base import RNN, _Cell, _ForgetBiasOnes, _cell_property, _fused_name


class LSTMCell(_Cell):
    """One step of a Long Short-Term Memory unit (Hochreiter & Schmidhuber, 1997).

        z = x @ kernel + h_prev @ recurrent_kernel + bias, split into blocks [i, f, c, o]
        i, f, o = recurrent_activation(z_i, z_f, z_o);  c = f * c_prev + i * activation(z_c)
        h = o * activation(c)

    Args:
        units: size of the state (and output).
        activation: default tanh. recurrent_activation: default sigmoid.
        unit_forget_bias: start the forget-gate bias at 1.
        use_bias, initializers, dropout, recurrent_dropout: as SimpleRNNCell.

    Call: `cell(x_t, [h_prev, c_prev]) -> (h, [h, c])`.
    Weights: kernel `(features, 4*units)`, recurrent_kernel `(units, 4*units)`, bias `(4*units,)`,
        column blocks in the order [i, f, c, o].

    >>> RNN(LSTMCell(4))(np.zeros((2, 5, 3), 'float32')).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._init_weights_args(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                                kernel_constraint, recurrent_constraint, bias_constraint)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._weights_from(self._input_dim(input_shape), 4)
        init = _ForgetBiasOnes(self.bias_initializer) if self.unit_forget_bias else self.bias_initializer
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer=init,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _step(self, xp, states, rdp):
        h, c = states[0], states[1]
        if rdp is not None:
            h = ops.multiply(h, rdp)
        z = ops.add(xp, ops.matmul(h, self.recurrent_kernel))
        u = self.units
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        g = self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        c = ops.add(ops.multiply(f, c), ops.multiply(i, g))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def _scan(self, x, states, mask, dp, rdp):
        act, ract = _fused_name(self.activation), _fused_name(self.recurrent_activation)
        if act is None or ract is None:
            return None
        u = self.units
        out = ops.lstm_scan(self._project(x, dp), self.recurrent_kernel, states[0], states[1], activation=act,
                            recurrent_activation=ract, mask=mask, rmask=rdp)
        return out[:, :, :u], [out[:, -1, :u], out[:, -1, u:]]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class LSTM(RNN):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997); see LSTMCell for the step.

    Args:
        units: size of the state and output.
        activation (tanh), recurrent_activation (sigmoid), use_bias, unit_forget_bias,
        initializers, dropout, recurrent_dropout: see LSTMCell.
        return_sequences, return_state, go_backwards, stateful, unroll: see RNN.

    Input shape: `(batch, timesteps, features)`.
    Output shape: `(batch, units)`, or `(batch, timesteps, units)` with return_sequences; with
        return_state also the final `h` and `c`, each `(batch, units)`.
    Weights (in the cell): kernel `(features, 4*units)`, recurrent_kernel `(units, 4*units)`,
        bias `(4*units,)`, gate blocks [i, f, c, o].

    >>> LSTM(4, return_sequences=True)(np.zeros((2, 5, 3), 'float32')).shape
    (2, 5, 4)
    """

    units = _cell_property("units")
    activation = _cell_property("activation")
    recurrent_activation = _cell_property("recurrent_activation")
    use_bias = _cell_property("use_bias")
    unit_forget_bias = _cell_property("unit_forget_bias")
    dropout = _cell_property("dropout")
    recurrent_dropout = _cell_property("recurrent_dropout")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", implementation=2, **kwargs):
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                        bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                        kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, seed=seed, name="lstm_cell",
                        trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        return {**self.cell.get_config(), **super().get_config()}
