"""Reference solution for `antirectifier` (lesson 2): the Lambda antirectifier as a layer."""

from kgen import keras
from kgen.keras import backend as K


class Antirectifier(keras.layers.Layer):
    """Centre, l2-normalise, then keep both the positive and the negative part.

    Input shape:
        (batch, features)

    Output shape:
        (batch, 2 * features)
    """

    def call(self, inputs):
        x = inputs - K.mean(inputs, axis=1, keepdims=True)
        x = K.l2_normalize(x, axis=1)
        return K.concatenate([K.relu(x), K.relu(-x)], axis=1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-1] *= 2
        return tuple(shape)
