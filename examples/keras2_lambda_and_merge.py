"""Keras-2 era code from the classic articles, unchanged: run it with `kgen run`."""

import numpy as np

import keras.backend as K
from keras.engine.topology import Layer
from keras.layers import Dense, Input, Lambda, merge
from keras.models import Model


class MyLayer(Layer):
    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super(MyLayer, self).__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                      initializer="uniform", trainable=True)
        super(MyLayer, self).build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


a = Input(shape=(4,))
b = Input(shape=(4,))
summed = merge([Dense(3)(a), Dense(3)(b)], mode="sum")
inverted = Lambda(lambda t: 1 - t)(summed)
out = MyLayer(2)(inverted)
model = Model(input=[a, b], output=out)
model.summary()
print(model.predict([np.ones((2, 4)), np.zeros((2, 4))]).shape)
