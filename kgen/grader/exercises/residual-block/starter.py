# kgen-exercise: residual-block
"""Lesson 5 exercise: a residual block with the functional API.

x = Input(16); y = Dense(16, relu)(x); y = Dense(16)(y); out = relu(x + y).

Grade it with:  kgen check residual_block.py
"""

from kgen import keras


def build_model():
    x = keras.Input(shape=(16,))
    y = keras.layers.Dense(16, activation="relu")(x)
    y = keras.layers.Dense(16)(y)
    # TODO: add the input back (keras.layers.Add) before the final relu
    out = keras.layers.Activation("relu")(y)
    return keras.Model(inputs=x, outputs=out)
