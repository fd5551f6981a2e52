# kgen-exercise: cosine-similarity
"""Lesson 6 exercise: a cosine-similarity layer from backend functions.

Called on [a, b], two (batch, n) tensors; returns (batch, 1): the cosine of the angle
between each pair of rows.

Grade it with:  kgen check cosine_similarity.py
"""

from kgen import keras
from kgen.keras import backend as K


class CosineSimilarity(keras.layers.Layer):
    def call(self, inputs):
        a, b = inputs
        # TODO: normalise a and b (K.l2_normalize), then sum their product over the features
        return K.sum(a * b, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)
