"""Embedding (integer ids -> learned vectors) and Masking (skip padded time steps)."""

from __future__ import annotations

import numpy as np

from kgen import initializers
from kgen.engine import ops
from kgen.engine.tensor import as_array
from kgen.graph.layer import Layer


class Embedding(Layer):
    """Turns integer ids into dense vectors: row `i` of the `embeddings` table for id `i`.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: length of each vector.
        embeddings_initializer: initial table (default uniform in [-0.05, 0.05]).
        mask_zero: treat id 0 as padding: the output carries a mask (False where the id is 0)
            that recurrent layers use to skip those steps. input_dim must then count the 0.
        input_length: (Keras 2) the sequence length, used as the input shape when first in a
            Sequential model.

    Input shape: `(batch, ...)` integer ids. Output shape: `(batch, ..., output_dim)`.
    Weights: embeddings `(input_dim, output_dim)`.

    >>> Embedding(1000, 64)(np.zeros((32, 10), 'int32')).shape
    (32, 10, 64)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(
                    f"Layer '{self.name}' (Embedding): `{arg}` must be a positive integer; received {arg}={value!r}."
                )
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        ids = as_array(inputs)
        if ids.dtype.kind not in "iu":
            ids = ids.astype(np.int32)
        return ops.take(self.embeddings, ids, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return as_array(inputs) != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "mask_zero": self.mask_zero}


class Masking(Layer):
    """Marks time steps to skip: a step whose features all equal `mask_value` is masked.

    The output is the input with masked steps set to 0, carrying a mask that recurrent layers
    (and other mask-aware layers) downstream use to skip those steps.

    Input shape: `(batch, steps, features)` (any rank >= 2). Output shape: same.

    >>> Masking(0.0)(np.zeros((2, 5, 3), 'float32')).shape
    (2, 5, 3)
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return np.any(as_array(inputs) != self.mask_value, axis=-1)

    def call(self, inputs):
        keep = self.compute_mask(inputs)[..., None].astype(as_array(inputs).dtype)
        return ops.multiply(inputs, keep)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
