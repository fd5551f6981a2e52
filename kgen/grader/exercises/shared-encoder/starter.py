# kgen-exercise: shared-encoder
"""Lesson 4 exercise: one encoder layer shared by two inputs.

Two inputs of shape (10,); ONE Dense(6, relu) called on both; concatenate the two
encodings; Dense(1, sigmoid). `build_model()` returns the keras.Model.

Grade it with:  kgen check shared_encoder.py
"""

from kgen import keras


def build_model():
    a = keras.Input(shape=(10,))
    b = keras.Input(shape=(10,))
    # TODO: this makes two encoders (two sets of weights); share one instead
    ea = keras.layers.Dense(6, activation="relu")(a)
    eb = keras.layers.Dense(6, activation="relu")(b)
    merged = keras.layers.Concatenate()([ea, eb])
    out = keras.layers.Dense(1, activation="sigmoid")(merged)
    return keras.Model(inputs=[a, b], outputs=out)
