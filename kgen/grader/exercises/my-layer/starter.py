# kgen-exercise: my-layer
"""Lesson 3 exercise: write the tutorial's MyLayer(output_dim).

MyLayer has one trainable weight `kernel` of shape (input_dim, output_dim), made in
`build`; `call(x)` returns x · kernel; `compute_output_shape` and `get_config` tell
Keras the output shape and how to rebuild the layer.

Grade it with:  kgen check my_layer.py   (add --watch to re-grade on every save)
"""

from kgen import keras
from kgen.keras import backend as K


class MyLayer(keras.layers.Layer):
    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim

    def build(self, input_shape):
        # TODO: self.kernel = self.add_weight(name="kernel", shape=..., initializer="uniform",
        #                                     trainable=True)
        super().build(input_shape)

    def call(self, x):
        # TODO: return x · kernel
        raise NotImplementedError("MyLayer.call is not written yet")

    def compute_output_shape(self, input_shape):
        # TODO: the last axis becomes output_dim
        return input_shape

    # TODO: get_config, so that MyLayer.from_config(layer.get_config()) works
