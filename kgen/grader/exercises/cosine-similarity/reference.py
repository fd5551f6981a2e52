"""Reference solution for `cosine-similarity` (lesson 6): cos(a, b) per row, with K."""

from kgen import keras
from kgen.keras import backend as K


class CosineSimilarity(keras.layers.Layer):
    """The cosine similarity of two batches of vectors, row by row.

    Input shape:
        a list of two tensors (batch, n)

    Output shape:
        (batch, 1)
    """

    def call(self, inputs):
        a, b = inputs
        a = K.l2_normalize(a, axis=-1)
        b = K.l2_normalize(b, axis=-1)
        return K.sum(a * b, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)
