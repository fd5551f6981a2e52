"""Reference solution for `scaled-dense` (lesson 7): Dense with a frozen per-unit gain."""

from kgen import keras
from kgen.keras import backend as K


class ScaledDense(keras.layers.Layer):
    """`(inputs · kernel + bias) * scale`, with `scale` a non-trainable weight.

    Args:
        units: size of the last axis of the output.

    Input shape:
        (batch, ..., input_dim)

    Output shape:
        (batch, ..., units)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros",
                                    trainable=True)
        self.scale = self.add_weight(name="scale", shape=(self.units,), initializer="ones",
                                     trainable=False)

    def call(self, inputs):
        return (K.dot(inputs, self.kernel) + self.bias) * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config
