"""Reference solution for `merge-model` (lesson 1): two inputs, two Dense, Add, Dense."""

from kgen import keras


def build_model():
    a = keras.Input(shape=(16,))
    b = keras.Input(shape=(32,))
    x1 = keras.layers.Dense(8, activation="relu")(a)
    x2 = keras.layers.Dense(8, activation="relu")(b)
    added = keras.layers.Add()([x1, x2])
    out = keras.layers.Dense(4)(added)
    return keras.Model(inputs=[a, b], outputs=out)
