# kgen-exercise: merge-model
"""Lesson 1 exercise: build the two-input Add model.

Input(16) -> Dense(8, relu) and Input(32) -> Dense(8, relu), merged with Add, then
Dense(4). `build_model()` returns the keras.Model (inputs in that order).

Grade it with:  kgen check merge_model.py
"""

from kgen import keras


def build_model():
    a = keras.Input(shape=(16,))
    b = keras.Input(shape=(32,))
    # TODO: one Dense(8, activation="relu") per input, merge with keras.layers.Add(),
    #       then keras.layers.Dense(4)
    out = a
    return keras.Model(inputs=[a, b], outputs=out)
