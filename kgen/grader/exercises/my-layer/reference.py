"""Reference solution for `my-layer` (lesson 3): the tutorial's MyLayer(output_dim)."""

from kgen import keras
from kgen.keras import backend as K


class MyLayer(keras.layers.Layer):
    """A dense layer without bias: `output = inputs · kernel`.

    Args:
        output_dim: size of the last axis of the output.

    Input shape:
        (batch, ..., input_dim)

    Output shape:
        (batch, ..., output_dim)
    """

    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.output_dim),
            initializer="uniform",
            trainable=True,
        )
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({"output_dim": self.output_dim})
        return config
