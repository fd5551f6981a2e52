"""Weight constraints: projections applied to a weight after each optimizer step.

`Dense(64, kernel_constraint=max_norm(2.))` keeps every column's norm at most 2. A constraint
is called on a weight and returns the new value; the optimizer assigns it (Keras' order:
after the update step). Constraints work on the array values, outside the gradient tape.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.tensor import as_array
from kgen.lookup import get_object, serialize_object

EPSILON = 1e-7


class Constraint:
    """Base class: `__call__(w)` returns the projected value."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale slices along `axis` whose L2 norm exceeds `max_value` (default 2, axis 0)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = as_array(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (EPSILON + norms))).astype(w.dtype)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative entries to zero."""

    def __call__(self, w):
        w = as_array(w)
        return (w * (w >= 0)).astype(w.dtype)


class UnitNorm(Constraint):
    """Rescale slices along `axis` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = as_array(w)
        return (w / (EPSILON + _norms(w, self.axis))).astype(w.dtype)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep slice norms within [min_value, max_value], moving them by `rate` each step."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = as_array(w)
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (EPSILON + norms))).astype(w.dtype)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "nonneg": NonNeg, "unit_norm": UnitNorm,
            "min_max_norm": MinMaxNorm}
_CLASSES = {cls.__name__: cls for cls in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}


def get(identifier):
    """A constraint from a name ('non_neg'), a config dict, an instance or a function."""
    return get_object(identifier, "constraint", _BY_NAME, _CLASSES)


def serialize(constraint):
    return serialize_object(constraint, Constraint)


def deserialize(config, custom_objects=None):
    return get(config)
