"""SimpleRNNCell and SimpleRNN: the fully-connected recurrence."""

from __future__ import annotations

from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.layers.recurrent.base import RNN, _Cell, _cell_property, _fused_name


class SimpleRNNCell(_Cell):
    """One step of a fully-connected RNN: `h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`.

    Args:
        units: size of the state (and output).
        activation: default tanh. use_bias, kernel/recurrent/bias initializers (glorot_uniform,
            orthogonal, zeros), dropout / recurrent_dropout (fractions dropped while training).

    Call: `cell(x_t, [h_prev]) -> (h, [h])`, x_t `(batch, features)`.
    Weights: kernel `(features, units)`, recurrent_kernel `(units, units)`, bias `(units,)`.

    >>> RNN(SimpleRNNCell(4))(np.zeros((2, 5, 3), 'float32')).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._init_weights_args(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                                bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                                kernel_constraint, recurrent_constraint, bias_constraint)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._weights_from(self._input_dim(input_shape), 1)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _step(self, xp, states, rdp):
        h = states[0] if rdp is None else ops.multiply(states[0], rdp)
        out = self.activation(ops.add(xp, ops.matmul(h, self.recurrent_kernel)))
        return out, [out]

    def _scan(self, x, states, mask, dp, rdp):
        act = _fused_name(self.activation)
        if act is None:
            return None
        H = ops.simple_rnn_scan(self._project(x, dp), self.recurrent_kernel, states[0], activation=act, mask=mask,
                                rmask=rdp)
        return H, [H[:, -1]]


class SimpleRNN(RNN):
    """A fully-connected RNN: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`.

    Args:
        units: size of the state and output.
        activation, use_bias, initializers, dropout, recurrent_dropout: see SimpleRNNCell.
        return_sequences, return_state, go_backwards, stateful, unroll: see RNN.

    Input shape: `(batch, timesteps, features)`.
    Output shape: `(batch, units)`, or `(batch, timesteps, units)` with return_sequences.
    Weights (in the cell): kernel `(features, units)`, recurrent_kernel `(units, units)`, bias `(units,)`.

    >>> SimpleRNN(4)(np.zeros((2, 5, 3), 'float32')).shape
    (2, 4)
    """

    units = _cell_property("units")
    activation = _cell_property("activation")
    use_bias = _cell_property("use_bias")
    dropout = _cell_property("dropout")
    recurrent_dropout = _cell_property("recurrent_dropout")

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, name="simple_rnn_cell",
                             trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        return {**self.cell.get_config(), **super().get_config()}
