"""`Input(shape)`: the start of a functional graph, a symbolic tensor with batch None."""

from __future__ import annotations

import numpy as np

from kgen.graph.keras_tensor import KerasTensor
from kgen.graph.layer import Layer
from kgen.graph.node import Node


class InputLayer(Layer):
    """Holds the graph's entry point. Output shape: `batch_shape` = (batch_size, *shape)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, input_shape=None, batch_input_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if shape is None and batch_shape is None:
            raise ValueError(
                "You must pass a `shape` argument to Input, e.g. keras.Input(shape=(16,)) for "
                "vectors of 16 features (the batch axis is not included)."
            )
        if batch_shape is None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self.dtype = np.dtype(dtype or "float32").name
        self.built = True
        self.sparse = bool(sparse)
        self.optional = optional
        tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
        Node(self, (), {}, tensor)
        self._input_tensor = tensor

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None, optional=False, batch_input_shape=None):
    """A symbolic input tensor. `shape` excludes the batch axis: Input(shape=(16,)) -> (None, 16)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape if batch_shape is not None else batch_input_shape, name=name)
    return layer._input_tensor
