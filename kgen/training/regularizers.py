"""Weight regularizers: penalties added to the loss, e.g. `Dense(64, kernel_regularizer=l2(0.01))`.

A regularizer is called on a weight and returns a scalar built from engine ops, so the
penalty has a gradient. `model.losses` collects them; `fit` adds their sum to the loss
(Keras 3 does the same, and so the reported `loss` includes them).
"""

from __future__ import annotations

from kgen.engine import ops
from kgen.lookup import get_object, serialize_object


class Regularizer:
    """Base class: `__call__(weight)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x^2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = ops.multiply(self.l1, ops.sum(ops.abs(x)))
        if self.l2:
            term = ops.multiply(self.l2, ops.sum(ops.square(x)))
            penalty = term if penalty is None else ops.add(penalty, term)
        return penalty if penalty is not None else ops.multiply(0.0, ops.sum(x))

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """`l1 * sum(|x|)` (default l1=0.01)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """`l2 * sum(x^2)` (default l2=0.01)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """`factor * mean(|offdiag(normalize(x) normalize(x)^T)|)` over rows (or columns)."""

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer mode must be 'rows' or 'columns'; received {mode!r}.")
        self.factor = float(factor)
        self.mode = mode

    def __call__(self, x):
        if self.mode == "columns":
            x = ops.transpose(x)
        x = ops.l2_normalize(x, axis=-1)
        product = ops.matmul(x, ops.transpose(x))
        n = product.shape[0]
        import numpy as np

        off = 1.0 - np.eye(n, dtype="float32")
        size = n * n - n
        return ops.multiply(self.factor / max(size, 1), ops.sum(ops.abs(ops.multiply(product, off))))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}
_CLASSES = {cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)}


def get(identifier):
    """A regularizer from a name ('l2'), a config dict, an instance or a function (None stays None)."""
    return get_object(identifier, "regularizer", _BY_NAME, _CLASSES)


def serialize(regularizer):
    return serialize_object(regularizer, Regularizer)


def deserialize(config, custom_objects=None):
    if isinstance(config, dict) and custom_objects and config.get("class_name") in custom_objects:
        return custom_objects[config["class_name"]].from_config(config.get("config", {}))
    return get(config)
