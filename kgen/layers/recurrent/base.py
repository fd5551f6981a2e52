"""The RNN layer and what every cell shares: `RNN`, the `_Cell` base, `StackedRNNCells`.

See the package docstring for the semantics."""

from __future__ import annotations

import numpy as np

from kgen import activations, initializers
from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.graph.structure import flatten, map_structure
from kgen.random import generator


_FUSED = {ops.tanh: "tanh", ops.sigmoid: "sigmoid", ops.relu: "relu", ops.hard_sigmoid: "hard_sigmoid",
          ops.linear: "linear"}


def _fused_name(fn):
    """The fused ops' name for an activation they know (None: step by step instead)."""
    try:
        return _FUSED.get(fn)
    except TypeError:  # unhashable callable
        return None


def _check_rate(layer, name, rate):
    if not 0 <= rate <= 1:
        raise ValueError(f"Layer '{layer.name}': `{name}` must be between 0 and 1; received {name}={rate}.")
    return float(rate)


def _check_units(layer, units, what="units"):
    if not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(f"Layer '{layer.name}': `{what}` must be a positive integer; received {what}={units!r}.")
    return int(units)


class _ForgetBiasOnes(initializers.Initializer):
    """LSTM bias with the forget-gate block at 1 (unit_forget_bias=True), the rest from `base`."""

    def __init__(self, base):
        self.base = base

    def __call__(self, shape, dtype="float32"):
        n = shape[-1] // 4
        value = np.array(self.base(shape, dtype=dtype), dtype=dtype)
        value[..., n:2 * n] = 1
        return value


class _Cell(Layer):
    """Shared by the built-in cells: units, initializers, dropout masks made once per sequence."""

    def __init__(self, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dropout = _check_rate(self, "dropout", dropout)
        self.recurrent_dropout = _check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._sequence_masks = None

    def _keep_mask(self, shape, rate):
        rng = self._rng if self._rng is not None else generator()
        return ((rng.uniform(size=shape) >= rate) / np.float32(1 - rate)).astype(np.float32)

    def _make_masks(self, step_input_shape, state_shape, training):
        """Dropout masks (input, recurrent) for one sequence; None where unused."""
        dp = self._keep_mask(step_input_shape, self.dropout) if training and 0 < self.dropout < 1 else None
        rdp = self._keep_mask(state_shape, self.recurrent_dropout) if training and 0 < self.recurrent_dropout < 1 else None
        return dp, rdp

    def _state_shape(self, batch_input_shape):
        return (batch_input_shape[0], self.units)

    def _begin_sequence(self, step_input_shape, training):
        self._sequence_masks = self._make_masks(step_input_shape, self._state_shape(step_input_shape), training)
        return (step_input_shape[0], self.output_size)

    def _end_sequence(self):
        self._sequence_masks = None

    def _masks_for(self, inputs, state, training):
        if not training:
            return None, None
        if self._sequence_masks is not None:
            return self._sequence_masks
        return self._make_masks(tuple(inputs.shape), tuple(state.shape), True)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [np.zeros((batch_size, s), dtype=np.float32) for s in sizes]

    def call(self, inputs, states, training=None):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        dp, rdp = self._masks_for(inputs, states[0], training)
        return self._step(self._project(inputs, dp), states, rdp)

    def _scan(self, x, states, mask, dp, rdp):
        """The whole sequence as one fused op, or None when this cell has no fused form."""
        return None

    def _weights_from(self, input_dim, blocks):
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, blocks * self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, blocks * self.units),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _init_weights_args(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                           bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                           kernel_constraint, recurrent_constraint, bias_constraint):
        self.units = _check_units(self, units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, recurrent_constraint
        self.bias_constraint = bias_constraint

    def _input_dim(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs a known feature axis to size its kernel; "
                f"received input_shape={tuple(input_shape)}."
            )
        return dim

    def _project(self, x, dp):
        """The state-independent part of a step, for one step (N, F) or a sequence (N, T, F)."""
        if dp is not None:
            x = ops.multiply(x, dp if len(x.shape) == 2 else dp[:, None, :])
        z = ops.matmul(x, self.kernel)
        bias = self._input_bias()
        return z if bias is None else ops.add(z, bias)

    def _input_bias(self):
        return self.bias if self.use_bias else None

    def get_config(self):
        return {
            **super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias, "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer), "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        }


class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds the first cell's output to the next.

    Call: `cells(x_t, [states_1, states_2, ...]) -> (last output, [new states per cell])`.
    `RNN([cell_a, cell_b])` builds one for you.

    >>> RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))(np.zeros((2, 5, 3), 'float32')).shape
    (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells: every cell needs `call` and `state_size`; received {cell!r}.")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is None:
            size = last.state_size[0] if isinstance(last.state_size, (list, tuple)) else last.state_size
        return size

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._build_from(shape)
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
            shape = (shape[0], size)

    def get_initial_state(self, batch_size=None):
        return [_initial_state(cell, batch_size) for cell in self.cells]

    def _begin_sequence(self, step_input_shape, training):
        shape = step_input_shape
        for cell in self.cells:
            if hasattr(cell, "_begin_sequence"):
                shape = cell._begin_sequence(shape, training)
        return shape

    def _end_sequence(self):
        for cell in self.cells:
            if hasattr(cell, "_end_sequence"):
                cell._end_sequence()

    def call(self, inputs, states, training=None):
        x, new_states = inputs, []
        for cell, s in zip(self.cells, states):
            x, s = cell(x, list(s) if isinstance(s, (list, tuple)) else [s], training=training)
            new_states.append(list(s) if isinstance(s, (list, tuple)) else [s])
        return x, new_states

    def get_config(self):
        return {**super().get_config(), "cells": [{"class_name": type(c).__name__, "config": c.get_config()}
                                                   for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kgen.graph.serialization import deserialize_layer

        config = dict(config)
        cells = [c if isinstance(c, Layer) else deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _initial_state(cell, batch_size):
    fn = getattr(cell, "get_initial_state", None)
    if fn is not None:
        state = fn(batch_size=batch_size)
        return list(state) if isinstance(state, (list, tuple)) else [state]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [np.zeros((batch_size, s), dtype=np.float32) for s in sizes]


# --------------------------------------------------------------------------- the RNN layer


class RNN(Layer):
    """Runs a cell over the time axis of a sequence (see the module docstring for the semantics).

    Args:
        cell: an RNN cell (an object with `call(x_t, states)` and `state_size`), or a list of
            cells (stacked with StackedRNNCells).
        return_sequences: return every step's output, not only the last.
        return_state: also return the final states (`output, *states`).
        go_backwards: process the sequence from its end (outputs in that order).
        stateful: each batch starts from the previous batch's final states
            (`reset_states()` zeroes them).
        unroll: accepted for compatibility (no effect on the results).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call: `layer(sequences, initial_state=None, mask=None, training=None)`.
    Input shape: `(batch, timesteps, ...)`.
    Output shape: `(batch, timesteps, output_size)` with return_sequences, else `(batch, output_size)`;
        with return_state, followed by one `(batch, size)` array per state.

    >>> RNN(SimpleRNNCell(4), return_sequences=True)(np.zeros((2, 5, 3), 'float32')).shape
    (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(
                "Argument `cell` of RNN must have a `call(inputs, states)` method and a `state_size` attribute "
                f"(an int, or a list with one int per state). Received: cell={cell!r}."
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._state_values = None

    @property
    def state_size(self):
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def states(self):
        return self._state_values

    def reset_states(self, states=None):
        """Zero the remembered states of a stateful layer (or set them to `states`)."""
        self._state_values = None if states is None else [np.asarray(s, dtype=np.float32) for s in states]

    reset_state = reset_states

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = self.state_size[0]
        return size

    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects sequences of shape (batch, timesteps, "
                f"features); received input_shape={tuple(sequences_shape)}. Add a time axis (e.g. Reshape)."
            )
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._build_from(step_shape)
        spec = self.input_spec
        if spec is not None and sequences_shape[-1] is not None:
            self.input_spec = InputSpec(ndim=spec.ndim, min_ndim=spec.min_ndim, axes={-1: sequences_shape[-1]})

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        size = self._output_size()
        output = (batch, steps, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return output
        states = []
        for s in self.state_size:
            states.append([(batch, d) for d in s] if isinstance(s, (list, tuple)) else (batch, s))
        return (output, *states)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(flatten(self.state_size))
        return output_mask

    def _initial_states(self, sequences, initial_state):
        if initial_state is not None:
            return list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if self.stateful and self._state_values is not None:
            return self._state_values
        return _initial_state(self.cell, sequences.shape[0])

    def call(self, sequences, initial_state=None, mask=None, training=None):
        states = self._initial_states(sequences, initial_state)
        x = sequences
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            mask = mask if mask.ndim == 2 else mask.reshape(mask.shape[:2])
        if self.go_backwards:
            x = ops.flip(x, 1)
            mask = None if mask is None else mask[:, ::-1]
        cell = self.cell
        step_shape = (x.shape[0],) + tuple(x.shape[2:])
        fused = None
        if isinstance(cell, _Cell):
            dp, rdp = cell._make_masks(step_shape, cell._state_shape(step_shape), bool(training))
            fused = cell._scan(x, states, mask, dp, rdp)
        if fused is not None:
            outputs, states = fused
        else:
            outputs, states = self._loop(x, states, mask, training)
        if mask is not None and self.zero_output_for_mask:
            outputs = ops.multiply(outputs, mask.reshape(mask.shape + (1,) * (len(outputs.shape) - 2)).astype(np.float32))
        if self.stateful:
            self._state_values = map_structure(lambda s: np.array(getattr(s, "data", s), dtype=np.float32), states)
        output = outputs if self.return_sequences else outputs[:, -1]
        if self.return_state:
            return (output, *states)
        return output

    def _loop(self, x, states, mask, training):
        """Step by step: `_project` once for the whole sequence when the cell has it, else calls."""
        cell = self.cell
        step_shape = (x.shape[0],) + tuple(x.shape[2:])
        if hasattr(cell, "_begin_sequence"):
            cell._begin_sequence(step_shape, bool(training))
        try:
            projected = None
            if isinstance(cell, _Cell):
                dp, rdp = cell._sequence_masks
                projected = cell._project(x, dp)
            outputs = []
            for t in range(x.shape[1]):
                if projected is not None:
                    out, new_states = cell._step(projected[:, t], list(states), rdp)
                else:
                    out, new_states = cell(x[:, t], states, training=training)
                    new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
                if mask is not None:
                    out, new_states = self._hold(mask[:, t], out, states, new_states)
                states = new_states
                outputs.append(out)
        finally:
            if hasattr(cell, "_end_sequence"):
                cell._end_sequence()
        return ops.stack(outputs, axis=1), states

    def _hold(self, m, out, states, new_states):
        """Masked samples keep their states and repeat their previous output (or output zeros)."""
        def keep(new, old):
            if isinstance(new, (list, tuple)):  # stacked cells: one list of states per cell
                return [keep(n, o) for n, o in zip(new, old)]
            return ops.where(m.reshape((-1,) + (1,) * (len(new.shape) - 1)), new, old)

        held = keep(new_states, states)
        if self.zero_output_for_mask:
            previous = np.zeros(tuple(out.shape), dtype=np.float32)
        else:
            previous = flatten(states[-1])[0] if isinstance(states[0], (list, tuple)) else states[0]
        return keep(out, previous), held

    def get_config(self):
        config = {
            **super().get_config(), "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        if type(self) is RNN:
            config["cell"] = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return config


def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")

