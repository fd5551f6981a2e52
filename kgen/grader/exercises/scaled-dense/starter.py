# kgen-exercise: scaled-dense
"""Lesson 7 exercise: ScaledDense(units), a Dense with a frozen per-unit gain.

Weights, in this order: kernel (input_dim, units) and bias (units,), trainable; scale
(units,), initialised to ones and NOT trainable. call(x) = (x · kernel + bias) * scale.

Grade it with:  kgen check scaled_dense.py
"""

from kgen import keras
from kgen.keras import backend as K


class ScaledDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", trainable=True)
        # TODO: bias (units,) trainable, then scale (units,) ones and trainable=False

    def call(self, inputs):
        # TODO: add the bias and multiply by the scale
        return K.dot(inputs, self.kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config
