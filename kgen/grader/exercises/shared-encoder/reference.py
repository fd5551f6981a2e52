"""Reference solution for `shared-encoder` (lesson 4): one Dense layer on two inputs."""

from kgen import keras


def build_model():
    a = keras.Input(shape=(10,))
    b = keras.Input(shape=(10,))
    encoder = keras.layers.Dense(6, activation="relu")
    merged = keras.layers.Concatenate()([encoder(a), encoder(b)])
    out = keras.layers.Dense(1, activation="sigmoid")(merged)
    return keras.Model(inputs=[a, b], outputs=out)
