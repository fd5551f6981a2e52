"""Lambda (arguments, output_shape, several inputs) and the merge layers and functions."""

import numpy as np
import pytest

from kgen import keras
from kgen.keras import backend as K
from kgen.keras import layers
from kgen.keras.compat import merge

RNG = np.random.default_rng(0)


def test_lambda_arguments_slice_columns():
    def slice_last(x, index):
        return x[:, :, index]

    inp = keras.Input(shape=(4, 2))
    a = layers.Lambda(slice_last, arguments={"index": 1})(inp)
    assert a.shape == (None, 4)
    data = RNG.normal(size=(3, 4, 2)).astype("float32")
    np.testing.assert_array_equal(keras.Model(inp, a).predict(data), data[:, :, 1])


def test_lambda_output_shape_tuple_and_function_are_used_as_given():
    x = keras.Input(shape=(6,))

    def antirectifier(t):
        t = t - K.mean(t, axis=1, keepdims=True)
        t = K.l2_normalize(t, axis=1)
        return K.concatenate([K.relu(t), K.relu(-t)], axis=1)

    y = layers.Lambda(antirectifier, output_shape=lambda s: (s[0], s[1] * 2))(x)
    z = layers.Lambda(lambda t: t[:, :3], output_shape=(3,))(y)
    assert y.shape == (None, 12) and z.shape == (None, 3)
    data = RNG.normal(size=(2, 6)).astype("float32")
    c = data - data.mean(axis=1, keepdims=True)
    c = c / np.sqrt(np.maximum((c**2).sum(axis=1, keepdims=True), 1e-12))
    want = np.concatenate([np.maximum(c, 0), np.maximum(-c, 0)], axis=1)
    np.testing.assert_allclose(keras.Model(x, y).predict(data), want, rtol=1e-5, atol=1e-6)


def test_lambda_on_a_list_of_inputs():
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    z = layers.Lambda(lambda t: t[0] + 0.5 * keras.ops.exp(t[1]))([a, b])
    x1, x2 = RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))
    np.testing.assert_allclose(keras.Model([a, b], z).predict([x1, x2]), x1 + 0.5 * np.exp(x2), rtol=1e-5)


def test_lambda_of_a_python_lambda_cannot_be_rebuilt_from_config():
    layer = layers.Lambda(lambda t: t * 2)
    config = layer.get_config()
    with pytest.raises(ValueError, match="write a Layer subclass"):
        layers.Lambda.from_config(config)


@pytest.mark.parametrize(
    "name, fn",
    [
        ("add", lambda a, b, c: a + b + c),
        ("multiply", lambda a, b, c: a * b * c),
        ("average", lambda a, b, c: (a + b + c) / 3),
        ("maximum", lambda a, b, c: np.maximum(np.maximum(a, b), c)),
        ("minimum", lambda a, b, c: np.minimum(np.minimum(a, b), c)),
        ("concatenate", lambda a, b, c: np.concatenate([a, b, c], axis=-1)),
    ],
)
def test_merge_functions_against_numpy(name, fn):
    ins = [keras.Input(shape=(4,)) for _ in range(3)]
    model = keras.Model(ins, getattr(layers, name)(ins))
    data = [RNG.normal(size=(5, 4)).astype("float32") for _ in range(3)]
    np.testing.assert_allclose(model.predict(data), fn(*data), rtol=1e-6)


def test_subtract_needs_exactly_two_inputs():
    ins = [keras.Input(shape=(4,)) for _ in range(3)]
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()(ins)


def test_incompatible_merge_names_layer_shapes_and_rule():
    a, b = keras.Input(shape=(8,)), keras.Input(shape=(4,))
    with pytest.raises(ValueError, match=r"'add_me'.*\(None, 8\).*\(None, 4\).*Concatenate"):
        layers.Add(name="add_me")([a, b])
    with pytest.raises(ValueError, match=r"matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=1)([keras.Input(shape=(2, 3)), keras.Input(shape=(2, 4))])


def test_merge_on_a_single_tensor_is_explained():
    with pytest.raises(ValueError, match="list of tensors"):
        layers.Add()(keras.Input(shape=(3,)))


@pytest.mark.parametrize("mode", ["sum", "mul", "ave", "max", "concat", "dot", "cos"])
def test_keras1_merge_modes(mode):
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    out = merge([a, b], mode=mode, dot_axes=1)
    x1, x2 = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    n1 = x1 / np.linalg.norm(x1, axis=1, keepdims=True)
    n2 = x2 / np.linalg.norm(x2, axis=1, keepdims=True)
    want = {
        "sum": x1 + x2, "mul": x1 * x2, "ave": (x1 + x2) / 2, "max": np.maximum(x1, x2),
        "concat": np.concatenate([x1, x2], axis=-1), "dot": (x1 * x2).sum(1, keepdims=True),
        "cos": (n1 * n2).sum(1, keepdims=True),
    }[mode]
    np.testing.assert_allclose(keras.Model([a, b], out).predict([x1, x2]), want, rtol=1e-5, atol=1e-6)


def test_keras1_merge_with_a_function_and_output_shape():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    out = merge([a, b], mode=lambda t: t[0] - t[1], output_shape=(3,))
    assert out.shape == (None, 3)
    with pytest.raises(ValueError, match="Unknown merge mode"):
        merge([a, b], mode="blend")
