"""The symbolic tensor: a shape (batch as None) and a dtype, with the node that made it.

Python operators on it build graph nodes (`1 - x`, `x[:, 0]` work as in Keras 3).
"""

from __future__ import annotations

import numpy as np

from kgen.engine.tensor import OpsMixin
from kgen.graph import naming


class KerasTensor(OpsMixin):
    """A placeholder in a functional graph. `_keras_history` = (layer, node_index, tensor_index)."""

    _kgen_symbolic = True

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.name = name or naming.uniquify("keras_tensor")
        self._keras_history = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError(
            f"len() of a symbolic tensor is not defined: its batch size is None. Received {self!r}."
        )

    def __iter__(self):
        raise TypeError(
            "A symbolic tensor cannot be iterated over: it has no values yet. Index it "
            "(x[:, 0]) or do the work inside a Lambda layer or a custom layer's call()."
        )

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor has no truth value: it has no values until the model runs. "
            "Use keras.ops.where / ops.cond inside a layer instead of Python `if`."
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A symbolic tensor (from keras.Input or a layer called on one) has no values, so "
            "numpy cannot use it. Do numpy work inside a Lambda layer, e.g. "
            "layers.Lambda(lambda t: ...)(x), or on the arrays returned by model.predict."
        )

    def numpy(self):
        self.__array__()
