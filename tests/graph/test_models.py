"""Functional and Sequential models: construction forms, lookup, predict, summary, errors."""

import numpy as np
import pytest

from kgen import keras
from kgen.keras import layers


def _mlp_numpy(x, weights, acts):
    for (w, b), act in zip(zip(weights[::2], weights[1::2]), acts):
        x = act(x @ w + b)
    return x


def test_sequential_forms_agree_and_match_numpy():
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    ident = lambda v: v  # noqa: E731
    with_input = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(5, activation="relu"), layers.Dense(2)])
    keras2 = keras.Sequential()
    keras2.add(layers.Dense(5, activation="relu", input_shape=(6,)))
    keras2.add(layers.Dense(2))
    lazy = keras.Sequential([layers.Dense(5, activation="relu"), layers.Dense(2)])
    assert not lazy.built
    x = np.random.default_rng(0).normal(size=(7, 6)).astype("float32")
    lazy.predict(x)  # the first batch builds a model without an Input
    assert lazy.built and lazy.inputs[0].shape == (None, 6)
    weights = with_input.get_weights()
    for model in (with_input, keras2, lazy):
        model.set_weights(weights)
        np.testing.assert_allclose(model.predict(x), _mlp_numpy(x, weights, [relu, ident]), rtol=1e-5, atol=1e-6)
    assert len(with_input.layers) == 2  # the Input is not listed, as in Keras


def test_sequential_input_dim_keras2_and_pop():
    model = keras.Sequential()
    model.add(layers.Dense(3, input_dim=4))
    model.add(layers.Dense(1))
    assert model.outputs[0].shape == (None, 1)
    model.pop()
    assert model.outputs[0].shape == (None, 3)


def test_old_model_keywords_dicts_and_get_layer():
    a = keras.Input(shape=(3,), name="left")
    b = keras.Input(shape=(2,), name="right")
    merged = layers.concatenate([a, b], name="joined")
    out = layers.Dense(1, name="score")(merged)
    old = keras.Model(input=[a, b], output=out)
    assert old.get_layer("score").units == 1
    assert old.get_layer(index=2).name == "joined"
    with pytest.raises(ValueError, match="No such layer: 'nope'"):
        old.get_layer("nope")
    x = {"left": np.ones((2, 3)), "right": np.zeros((2, 2))}
    np.testing.assert_array_equal(old.predict(x), old.predict([x["left"], x["right"]]))
    by_name = keras.Model(inputs={"left": a, "right": b}, outputs={"score": out, "joined": merged})
    result = by_name.predict(x)
    assert set(result) == {"score", "joined"} and result["joined"].shape == (2, 5)


def test_predict_batches_give_the_same_result():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="tanh")])
    x = np.random.default_rng(2).normal(size=(70, 3))
    np.testing.assert_allclose(model.predict(x, batch_size=8), model.predict(x, batch_size=100), rtol=1e-6)


def test_python_operators_on_keras_tensors_work_as_in_keras3():
    x = keras.Input(shape=(4,))
    y = 1 - x
    z = y[:, :2] * 2.0
    model = keras.Model(x, z)
    assert z.shape == (None, 2)
    data = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(model.predict(data), (1 - data)[:, :2] * 2)


def test_numpy_on_a_keras_tensor_explains_the_lambda_layer():
    x = keras.Input(shape=(4,))
    with pytest.raises(TypeError, match="Lambda"):
        np.asarray(x)


def test_graph_disconnected_and_bad_inputs_are_explained():
    a = keras.Input(shape=(3,))
    b = keras.Input(shape=(3,))
    out = layers.add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)
    model = keras.Model([a, b], out)
    with pytest.raises(ValueError, match=r"expects 2 input\(s\)"):
        model.predict(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(1, 4\)"):
        model.predict([np.ones((1, 4)), np.ones((1, 3))])
    with pytest.raises(ValueError, match="keras.Input"):
        keras.Model(layers.Dense(2)(a), out)


def test_summary_prints_shapes_and_keras_parameter_counts():
    model = keras.Sequential([keras.Input(shape=(16,)), layers.Dense(8), layers.Dense(4)], name="tiny")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "tiny"' in text and "(None, 8)" in text and "(None, 4)" in text
    assert "Total params: 172" in text and "Non-trainable params: 0" in text
    assert max(len(line) for line in lines) <= 100


def test_model_input_output_and_their_shapes():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(5,))
    out = layers.Dense(2)(layers.concatenate([a, b]))
    model = keras.Model([a, b], out)
    assert model.input == [a, b] and model.output is out
    assert model.input_shape == [(None, 3), (None, 5)] and model.output_shape == (None, 2)
    seq = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
    assert seq.input_shape == (None, 4) and seq.output_shape == (None, 1)


def test_functional_and_sequential_rebuild_from_config():
    x = keras.Input(shape=(3,))
    y = layers.Dense(2, activation="relu")(layers.Dense(4)(x))
    model = keras.Model(x, y)
    for clone in (keras.Model.from_config(model.get_config()), keras.Functional.from_config(model.get_config())):
        assert [type(l).__name__ for l in clone.layers] == ["InputLayer", "Dense", "Dense"]
        clone.set_weights(model.get_weights())
        data = np.random.default_rng(3).normal(size=(2, 3))
        np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-6)
    seq = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(2)])
    again = keras.Sequential.from_config(seq.get_config())
    assert again.output_shape == (None, 2) and again.count_params() == 12
