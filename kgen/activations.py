"""Activation functions by name (`activation="relu"`), as Keras' `activations.get`."""

from __future__ import annotations

from kgen.engine import ops

_BY_NAME = {
    "linear": ops.linear, "relu": ops.relu, "relu6": ops.relu6, "sigmoid": ops.sigmoid,
    "tanh": ops.tanh, "softmax": ops.softmax, "log_softmax": ops.log_softmax,
    "softplus": ops.softplus, "softsign": ops.softsign, "elu": ops.elu, "selu": ops.selu,
    "hard_sigmoid": ops.hard_sigmoid, "hard_silu": ops.hard_silu, "hard_swish": ops.hard_silu,
    "exponential": ops.exponential, "swish": ops.silu, "silu": ops.silu, "gelu": ops.gelu,
    "leaky_relu": ops.leaky_relu,
}

for _name, _fn in list(_BY_NAME.items()):
    globals()[_name] = _fn


def get(identifier):
    """The activation function for a name, a function, or None (linear)."""
    if identifier is None:
        return ops.linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation function: '{identifier}'. Known: {sorted(_BY_NAME)}.")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(fn):
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", str(fn))
