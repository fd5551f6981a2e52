"""Layer wrappers: Bidirectional (an RNN both ways) and TimeDistributed (a layer per time step)."""

from __future__ import annotations

import copy
import inspect

import numpy as np

from kgen.engine import ops
from kgen.graph.layer import Layer
from kgen.graph.structure import flatten, map_shapes


def clone_layer(layer, **overrides):
    """A fresh, unbuilt copy of `layer` from its constructor arguments (sublayers cloned too)."""
    config = getattr(layer, "_auto_config", None)
    if config is None:
        return type(layer).from_config({**layer.get_config(), **overrides})
    config = {**config, **overrides}

    def fresh(value):
        if isinstance(value, Layer):
            return clone_layer(value, name=value.name)
        if isinstance(value, (list, tuple)) and any(isinstance(v, Layer) for v in value):
            return type(value)(fresh(v) for v in value)
        return copy.deepcopy(value)

    return type(layer)(**{k: fresh(v) for k, v in config.items()})


def _strip_prefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the two.

    The backward copy reads the sequence from its end; with return_sequences its outputs are
    flipped back so step t of both halves lines up before merging.

    Args:
        layer: a recurrent layer (LSTM, GRU, SimpleRNN, RNN); it is copied, as "forward_<name>".
        merge_mode: 'concat' (default, last axis doubles), 'sum', 'mul', 'ave', or None (a list
            [forward, backward]).
        backward_layer: an explicit backward layer (with go_backwards=True).

    Input shape: `(batch, timesteps, features)`.
    Output shape: the wrapped layer's, with the last axis doubled for 'concat'; with
        return_state, followed by the forward states, then the backward states.
    Weights: the forward layer's, then the backward layer's.

    >>> Bidirectional(LSTM(3, return_sequences=True))(np.zeros((2, 5, 3), 'float32')).shape
    (2, 5, 6)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional needs a keras layer instance (e.g. LSTM(8)); received layer={layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer must be a keras layer; received {backward_layer!r}.")
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(
                f"Bidirectional: merge_mode must be one of 'sum', 'mul', 'ave', 'concat' or None; received "
                f"merge_mode={merge_mode!r}."
            )
        super().__init__(**kwargs)
        self.forward_layer = clone_layer(layer, name="forward_" + _strip_prefix(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = clone_layer(layer, name="backward_" + _strip_prefix(layer.name, "backward_"),
                                         go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                "Bidirectional: the forward and backward layers need different go_backwards values; both have "
                f"go_backwards={self.forward_layer.go_backwards}."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ValueError(
                    f"Bidirectional: the forward and backward layers must agree on {attr}; received "
                    f"{getattr(self.forward_layer, attr)} and {getattr(self.backward_layer, attr)}."
                )
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._initial_weights = weights

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._build_from(tuple(sequences_shape))

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(tuple(sequences_shape))
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            output = (tuple(shape[:-1]) + (shape[-1] * 2,),)
        elif self.merge_mode is None:
            output = (tuple(shape), tuple(shape))
        else:
            output = (tuple(shape),)
        if not self.return_state and len(output) == 1:
            return output[0]
        return output + states + states

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, 1)
        if self.merge_mode == "concat":
            output = (ops.concatenate([y, y_rev], axis=-1),)
        elif self.merge_mode == "sum":
            output = (ops.add(y, y_rev),)
        elif self.merge_mode == "ave":
            output = (ops.multiply(ops.add(y, y_rev), 0.5),)
        elif self.merge_mode == "mul":
            output = (ops.multiply(y, y_rev),)
        else:
            output = (y, y_rev)
        if not self.return_state and len(output) == 1:
            return output[0]
        return output + states

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        outputs = [output_mask] if self.merge_mode else [output_mask, output_mask]
        if self.return_state:
            outputs += [None] * (2 * len(flatten(self.forward_layer.state_size)))
        return outputs[0] if len(outputs) == 1 else outputs

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": {"class_name": type(self.forward_layer).__name__, "config": self.forward_layer.get_config()},
                "backward_layer": {"class_name": type(self.backward_layer).__name__,
                                   "config": self.backward_layer.get_config()}}


class TimeDistributed(Layer):
    """Applies the same layer to every time step (axis 1) of its input, with shared weights.

    The time axis is folded into the batch (`(batch * timesteps, ...)`), the layer runs once,
    and the result is unfolded: one vectorised call, the same as calling it per step for any
    layer without batch statistics. (A BatchNormalization inside, in training, therefore uses
    statistics over all steps.)

    Args:
        layer: the layer applied to each step (Dense, Conv2D, a Model, ...).

    Input shape: `(batch, timesteps, ...)`; each step `(batch, ...)` goes to `layer`.
    Output shape: `(batch, timesteps, ...layer's output per step)`.

    >>> TimeDistributed(Dense(8))(np.zeros((2, 10, 16), 'float32')).shape
    (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed needs a keras layer instance (e.g. Dense(8)); received layer={layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _check(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' (TimeDistributed) expects inputs with a time axis, at least "
                f"(batch, timesteps, features); received input_shape={tuple(input_shape)}."
            )

    def build(self, input_shape):
        self._check(input_shape)
        if not self.layer.built:
            self.layer._build_from((input_shape[0],) + tuple(input_shape[2:]))

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return map_shapes(lambda s: (s[0], input_shape[1]) + tuple(s[1:]), inner)

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        folded = ops.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {"training": training}
        if mask is not None and "mask" in inspect.signature(self.layer.call).parameters:
            kwargs["mask"] = np.asarray(mask).reshape((batch * steps,) + np.shape(mask)[2:])
        outputs = self.layer(folded, **kwargs)

        def unfold(y):
            return ops.reshape(y, (batch, steps) + tuple(y.shape[1:]))

        if isinstance(outputs, (list, tuple)):
            return type(outputs)(unfold(y) for y in outputs)
        return unfold(outputs)

    def get_config(self):
        return {**super().get_config(),
                "layer": {"class_name": type(self.layer).__name__, "config": self.layer.get_config()}}
