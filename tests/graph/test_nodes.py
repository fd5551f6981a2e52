"""Shared layers and nodes: the Keras-2 node API the tutorials teach."""

import numpy as np
import pytest

from kgen import keras
from kgen.keras import layers


def test_shared_layer_has_one_node_per_call():
    a = keras.Input(shape=(6,))
    b = keras.Input(shape=(6,))
    shared = layers.Dense(4)
    ea, eb = shared(a), shared(b)
    assert len(shared._inbound_nodes) == 2
    assert shared.get_output_at(0) is ea and shared.get_output_at(1) is eb
    assert shared.get_input_at(0) is a and shared.get_input_at(1) is b
    assert shared.get_input_shape_at(1) == (None, 6)
    assert shared.get_output_shape_at(0) == (None, 4)
    with pytest.raises(AttributeError, match="get_output_at"):
        shared.output
    # all calls saw the same shape, so the single-shape property is still defined (Keras 2)
    assert shared.input_shape == (None, 6)


def test_different_input_shapes_make_input_shape_ill_defined():
    shared = layers.Flatten()
    shared(keras.Input(shape=(2, 3)))
    shared(keras.Input(shape=(4, 3)))
    assert shared.get_input_shape_at(0) == (None, 2, 3)
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        shared.input_shape


def test_single_node_properties_and_out_of_range_node():
    x = keras.Input(shape=(3,))
    dense = layers.Dense(2)
    y = dense(x)
    assert dense.input is x and dense.output is y
    assert dense.input_shape == (None, 3) and dense.output_shape == (None, 2)
    with pytest.raises(ValueError, match="only 1 inbound node"):
        dense.get_output_at(1)
    with pytest.raises(AttributeError, match="never been called"):
        layers.Dense(2).output


def test_shared_weights_give_the_same_function_on_both_branches():
    a = keras.Input(shape=(5,))
    b = keras.Input(shape=(5,))
    shared = layers.Dense(3)
    model = keras.Model([a, b], [shared(a), shared(b)])
    x = np.random.default_rng(0).normal(size=(2, 5)).astype("float32")
    ya, yb = model.predict([x, x])
    np.testing.assert_array_equal(ya, yb)
    assert len(model.weights) == 2  # one kernel, one bias: a shared weight appears once


def test_model_called_like_a_layer_shares_weights_and_adds_nodes():
    x = keras.Input(shape=(4,))
    encoder = keras.Model(x, layers.Dense(2, name="enc")(x), name="encoder")
    a = keras.Input(shape=(4,))
    b = keras.Input(shape=(4,))
    ea, eb = encoder(a), encoder(b)
    assert ea.shape == (None, 2) and len(encoder._inbound_nodes) == 2
    siamese = keras.Model([a, b], layers.concatenate([ea, eb]))
    assert [l.name for l in siamese.layers][2] == "encoder"
    data = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    out = siamese.predict([data, data])
    w, bias = encoder.get_weights()
    np.testing.assert_allclose(out, np.concatenate([data @ w + bias] * 2, axis=1), rtol=1e-6, atol=1e-6)
