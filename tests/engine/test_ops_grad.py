"""Every primitive op's backward against central finite differences (float64), and eager semantics."""

import numpy as np
import pytest

from kgen.engine import ops
from kgen.engine.tensor import Tensor, gradients

RNG = np.random.default_rng(0)


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = f(x).sum()
        x[i] = old - eps
        down = f(x).sum()
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def _check(fn, *shapes, positive=False, weights=None):
    arrays = [RNG.uniform(0.2, 1.5, s) if positive else RNG.normal(size=s) for s in shapes]
    weights = RNG.normal(size=np.shape(fn(*arrays))) if weights is None else weights
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    loss = ops.sum(ops.multiply(out, weights))
    grads = gradients(loss, tensors)
    for k, (a, g) in enumerate(zip(arrays, grads)):
        def f(v, k=k):
            args = [v if j == k else arrays[j] for j in range(len(arrays))]
            return np.asarray(fn(*args)) * weights
        np.testing.assert_allclose(g, _numeric_grad(f, a.copy()), rtol=1e-5, atol=1e-7)


UNARY = {
    "negative": ops.negative, "abs": ops.abs, "exp": ops.exp, "square": ops.square, "sin": ops.sin,
    "cos": ops.cos, "relu": ops.relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh, "softplus": ops.softplus,
    "softsign": ops.softsign, "elu": ops.elu, "selu": ops.selu, "gelu": ops.gelu, "silu": ops.silu,
    "hard_sigmoid": ops.hard_sigmoid, "leaky_relu": ops.leaky_relu, "erf": ops.erf,
    "relu_capped": lambda x: ops.relu(x, max_value=0.5, negative_slope=0.1, threshold=-0.2),
    "softmax": lambda x: ops.softmax(x, axis=-1), "softmax0": lambda x: ops.softmax(x, axis=0),
    "log_softmax": ops.log_softmax, "l2_normalize": lambda x: ops.l2_normalize(x, axis=1),
    "sum": lambda x: ops.sum(x, axis=1), "mean": lambda x: ops.mean(x, axis=(0, 1), keepdims=True),
    "max": lambda x: ops.max(x, axis=0), "min": lambda x: ops.min(x), "prod": lambda x: ops.prod(x, axis=1),
    "var": lambda x: ops.var(x, axis=1), "logsumexp": lambda x: ops.logsumexp(x, axis=1),
    "reshape": lambda x: ops.reshape(x, (4, 3)), "transpose": lambda x: ops.transpose(x),
    "getitem": lambda x: x[1:, ::2], "fancy": lambda x: ops.getitem(x, (np.array([0, 2, 0]), slice(None))),
    "pad": lambda x: ops.pad(x, ((1, 0), (2, 1))), "tile": lambda x: ops.tile(x, (2, 1)),
    "repeat": lambda x: ops.repeat(x, 2, axis=1), "expand_squeeze": lambda x: ops.squeeze(ops.expand_dims(x, 1), 1),
    "broadcast_to": lambda x: ops.broadcast_to(x[:1], (5, 4)), "clip": lambda x: ops.clip(x, -0.5, 0.5),
    "flip": lambda x: ops.flip(x, 1), "cast": lambda x: ops.cast(x, "float64"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name):
    _check(UNARY[name], (3, 4))


@pytest.mark.parametrize("name", ["log", "sqrt", "reciprocal", "log1p"])
def test_gradients_on_positive_inputs(name):
    _check(getattr(ops, name), (3, 4), positive=True)


BINARY = {
    "add": ops.add, "subtract": ops.subtract, "multiply": ops.multiply, "divide": ops.divide,
    "maximum": ops.maximum, "minimum": ops.minimum, "matmul": ops.matmul,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradients_with_broadcasting(name):
    if name == "matmul":
        _check(ops.matmul, (3, 4), (4, 2))
        _check(ops.matmul, (2, 3, 4), (4, 5))
        _check(ops.matmul, (2, 3, 4), (2, 4, 5))
        _check(ops.matmul, (4,), (4, 2))
    else:
        _check(BINARY[name], (3, 4), (4,))
        _check(BINARY[name], (3, 1), (1, 4))


def test_power_where_concat_stack_take_dot_gradients():
    _check(ops.power, (3, 4), (3, 4), positive=True)
    _check(lambda a, b: ops.where(np.arange(12).reshape(3, 4) % 2 == 0, a, b), (3, 4), (4,))
    _check(lambda a, b: ops.concatenate([a, b], axis=0), (2, 3), (4, 3))
    _check(lambda a, b: ops.stack([a, b], axis=1), (2, 3), (2, 3))
    _check(lambda t: ops.take(t, np.array([[1, 0], [1, 1]]), axis=0), (3, 4))
    _check(lambda t: ops.take(t, np.array([2, 0]), axis=1), (3, 4))
    _check(ops.dot, (2, 3, 4), (5, 4, 6))
    _check(lambda a, b: ops.batch_dot(a, b, axes=(1, 1)), (2, 3, 4), (2, 3, 5))
    _check(lambda a, b: ops.tensordot(a, b, axes=([0, 2], [1, 0])), (3, 2, 4), (4, 3))


def test_eager_numpy_in_numpy_out_and_tensor_in_tensor_out():
    x = np.ones((2, 2), "float32")
    assert isinstance(ops.add(x, 1), np.ndarray)
    assert isinstance(ops.add(Tensor(x), 1), Tensor)
    assert ops.add(Tensor(x), 1).dtype == np.float32  # Python scalars take the array's dtype


def test_a_tensor_used_twice_receives_both_gradients():
    x = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    y = ops.multiply(x, x) + x
    (g,) = gradients(ops.sum(y), [x])
    np.testing.assert_allclose(g, 2 * np.array([2.0, 3.0]) + 1)
    x.grad = None
    ops.sum(y).backward()
    np.testing.assert_allclose(x.grad, 2 * np.array([2.0, 3.0]) + 1)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "erf", "matmul"])
def test_float32_kernel_path_agrees_with_float64_numpy_path(name):
    """float32 runs on numba kernels, float64 on numpy: both directions must agree."""
    fn = (lambda a: ops.matmul(a, a.T if not isinstance(a, Tensor) else ops.transpose(a))) if name == "matmul" else getattr(ops, name)
    x64 = RNG.normal(size=(5, 7))
    g64 = RNG.normal(size=np.shape(fn(x64)))
    results = []
    for dtype in ("float32", "float64"):
        t = Tensor(x64.astype(dtype), requires_grad=True)
        out = fn(t)
        (grad,) = gradients(ops.sum(ops.multiply(out, g64.astype(dtype))), [t])
        assert out.dtype == dtype and grad.dtype == dtype
        results.append((np.asarray(out, "float64"), grad.astype("float64")))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-5)


def test_relu_passes_nan_through_like_keras():
    out = ops.relu(np.array([np.nan, -1.0, 2.0], "float32"))
    assert np.isnan(out[0]) and out[1] == 0 and out[2] == 2
