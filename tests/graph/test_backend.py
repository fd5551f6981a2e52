"""keras.backend (K) on the articles' small examples, against numpy."""

import numpy as np
import pytest

from kgen import keras
from kgen.keras import backend as K

RNG = np.random.default_rng(0)


def test_variable_eval_and_int_shape():
    val = RNG.random((3, 4, 5))
    var = K.variable(value=val)
    np.testing.assert_allclose(K.eval(var), val.astype("float32"))
    assert K.int_shape(var) == (3, 4, 5) and K.ndim(var) == 3 and K.dtype(var) == "float32"
    assert K.int_shape(keras.Input(shape=(7,))) == (None, 7)
    np.testing.assert_array_equal(K.eval(K.zeros((2, 3))), np.zeros((2, 3)))


def test_dot_contracts_last_axis_with_second_to_last():
    x, y = RNG.random((2, 3)), RNG.random((3, 4))
    np.testing.assert_allclose(K.eval(K.dot(x, y)), x @ y, rtol=1e-6)
    x3, y3 = RNG.random((2, 3, 4)), RNG.random((5, 4, 6))
    np.testing.assert_allclose(K.dot(x3, y3), np.tensordot(x3, y3, axes=([2], [1])), rtol=1e-6)


def test_batch_dot_article_example_shape_and_values():
    x_batch, y_batch = K.ones(shape=(32, 20, 1)), K.ones(shape=(32, 30, 20))
    assert K.int_shape(K.batch_dot(x_batch, y_batch, axes=(1, 2))) == (32, 1, 30)
    x, y = RNG.random((4, 5)), RNG.random((4, 5))
    np.testing.assert_allclose(K.batch_dot(x, y, axes=1), (x * y).sum(1, keepdims=True), rtol=1e-6)
    a, b = RNG.random((2, 3, 4)), RNG.random((2, 4, 5))
    np.testing.assert_allclose(K.batch_dot(a, b), np.einsum("bij,bjk->bik", a, b), rtol=1e-6)


def test_one_hot_permute_expand_squeeze_gather_prod_cast():
    idx = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(K.one_hot(idx, 3), np.eye(3)[idx])
    x = RNG.random((2, 3, 4))
    np.testing.assert_array_equal(K.permute_dimensions(x, (0, 2, 1)), x.transpose(0, 2, 1))
    assert K.int_shape(K.expand_dims(x, 1)) == (2, 1, 3, 4)
    assert K.int_shape(K.squeeze(K.expand_dims(x, -1), -1)) == (2, 3, 4)
    with pytest.raises(ValueError, match="not 1"):
        K.squeeze(x, 1)
    table = RNG.random((5, 2)).astype("float32")
    np.testing.assert_array_equal(K.gather(table, np.array([4, 0, 4])), table[[4, 0, 4]])
    np.testing.assert_allclose(K.prod(x, axis=1), x.prod(axis=1), rtol=1e-6)
    assert K.cast(np.array([1.7, -1.2]), "int32").dtype == np.int32


def test_reductions_normalize_and_activations():
    x = RNG.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(K.mean(x, axis=1), x.mean(1), rtol=1e-6)
    np.testing.assert_allclose(K.sum(x, axis=0, keepdims=True), x.sum(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(K.max(x), x.max())
    np.testing.assert_allclose(K.min(x, axis=1), x.min(1))
    np.testing.assert_allclose(K.sqrt(np.abs(x)), np.sqrt(np.abs(x)), rtol=1e-6)
    np.testing.assert_allclose(K.l2_normalize(x, axis=1), x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-5)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(K.softmax(x), e / e.sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(K.relu(x), np.maximum(x, 0))
    np.testing.assert_allclose(K.concatenate([x, x], axis=0), np.concatenate([x, x]))
    assert K.reshape(x, (4, 3)).shape == (4, 3) and K.transpose(x).shape == (4, 3)
    assert K.epsilon() == 1e-7 and K.image_data_format() == "channels_last"


def test_eval_of_a_symbolic_tensor_is_explained():
    with pytest.raises(TypeError, match="predict"):
        K.eval(keras.Input(shape=(2,)))


def test_backend_functions_inside_a_lambda_build_and_run():
    x = keras.Input(shape=(3, 4))
    y = keras.layers.Lambda(lambda t: K.permute_dimensions(K.expand_dims(t, -1), (0, 2, 1, 3)))(x)
    assert y.shape == (None, 4, 3, 1)
    data = RNG.random((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(keras.Model(x, y).predict(data), data.transpose(0, 2, 1)[..., None])
