# kgen-exercise: antirectifier
"""Lesson 2 exercise: the antirectifier Lambda, written as a layer.

x - mean(x) over the features, l2-normalised, then concatenate([relu(x), relu(-x)]):
the output has twice the features. No weights.

Grade it with:  kgen check antirectifier.py
"""

from kgen import keras
from kgen.keras import backend as K


class Antirectifier(keras.layers.Layer):
    def call(self, inputs):
        # TODO: centre, l2-normalise, then concatenate the positive and negative parts
        return inputs

    def compute_output_shape(self, input_shape):
        # TODO: the last axis doubles
        return input_shape
