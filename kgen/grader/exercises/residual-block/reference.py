"""Reference solution for `residual-block` (lesson 5): input added back after two Dense."""

from kgen import keras


def build_model():
    x = keras.Input(shape=(16,))
    y = keras.layers.Dense(16, activation="relu")(x)
    y = keras.layers.Dense(16)(y)
    out = keras.layers.Activation("relu")(keras.layers.Add()([x, y]))
    return keras.Model(inputs=x, outputs=out)
