"""Gradient checks: every op and every layer class against central finite differences in float64.

For a function f (an op, or a layer called with `training=True`/`False`) we compare the
tape's gradient of `sum(f(x) * R)` (R a fixed random projection) with respect to each
differentiable input and each trainable weight against central differences with h = 1e-6,
all in float64. A second check runs the same gradient in float32, where the numba kernels
are used, and compares it with the float64 one.

The layer list is read from `kgen.layers` at collection time: a layer class that lands
later is checked by its recipe below; one without a recipe is tried with default
arguments and reported as xfail ("add a recipe") when that fails.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from kgen import layers as L
from kgen.engine import ops
from kgen.engine.tensor import Tensor, enable_grad, gradients, no_grad
from kgen.graph.layer import Layer
from kgen.graph.structure import flatten
from kgen.random import set_seed

H = 1e-6
TOL64 = 1e-5   # |analytic - numeric| <= TOL64 * max(1, |numeric|max)
TOL32 = 2e-3   # float32 analytic vs float64 analytic, same scaling


# ============================================================================ the checker
def _project(out, projections):
    outs = [o for o in flatten(out) if isinstance(o, Tensor) or isinstance(o, np.ndarray)]
    if projections is None:
        rng = np.random.default_rng(99)
        projections = [rng.normal(size=np.shape(o)) for o in outs]
    total = None
    for o, r in zip(outs, projections):
        term = ops.sum(ops.multiply(o, r.astype(o.dtype)))
        total = term if total is None else ops.add(total, term)
    return total, projections


def _analytic(fn, arrays, diff, variables):
    tensors = [Tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    set_seed(0)
    with enable_grad():
        total, projections = _project(fn(*tensors), None)
    sources = [tensors[i] for i in diff] + list(variables)
    return gradients(total, sources), projections


def _value(fn, arrays, projections):
    set_seed(0)
    with no_grad():
        total, _ = _project(fn(*[Tensor(a) for a in arrays]), projections)
    return float(np.asarray(total.data))


def _numeric(fn, arrays, diff, variables, projections):
    targets = [arrays[i] for i in diff] + [v.data for v in variables]
    grads = []
    for target in targets:
        g = np.zeros_like(target, dtype=np.float64)
        for idx in np.ndindex(target.shape):
            old = target[idx]
            target[idx] = old + H
            up = _value(fn, arrays, projections)
            target[idx] = old - H
            down = _value(fn, arrays, projections)
            target[idx] = old
            g[idx] = (up - down) / (2 * H)
        grads.append(g)
    return grads


def _compare(got, want, tol, what):
    assert got.shape == want.shape, f"{what}: gradient shape {got.shape} != {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
    assert err <= tol * scale, f"{what}: max |error| {err:.3g} > {tol * scale:.3g}"


def gradcheck(fn, arrays, diff, variables=(), labels=None):
    """fn(*Tensors) -> output(s). `arrays` float64 (ints stay ints), `diff`: indices to check."""
    arrays = [np.array(a) for a in arrays]
    variables = list(variables)
    labels = labels or [f"input {i}" for i in diff] + [v.path for v in variables]
    # float32: the kernels' path, compared with float64 afterwards
    arrays32 = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays]
    originals = [v.data.copy() for v in variables]
    for v in variables:
        v.data = v.data.astype(np.float32)
    grads32, _ = _analytic(fn, arrays32, diff, variables)
    for v, o in zip(variables, originals):
        v.data = o.astype(np.float64)
    grads64, projections = _analytic(fn, arrays, diff, variables)
    numeric = _numeric(fn, arrays, diff, variables, projections)
    for label, a, n in zip(labels, grads64, numeric):
        _compare(a, n, TOL64, f"{label} (float64 vs finite differences)")
    for label, a32, a64 in zip(labels, grads32, grads64):
        _compare(a32, a64, TOL32, f"{label} (float32 vs float64)")


# ============================================================================ ops
R = np.random.default_rng(11)


def normal(*shape):
    return R.normal(size=shape)


def positive(*shape):
    return R.uniform(0.5, 2.0, size=shape)


def away_from_zero(*shape):
    return R.choice([-1.0, 1.0], size=shape) * R.uniform(0.2, 1.5, size=shape)


def distinct(*shape):
    """Values with no ties (max/min/pooling have a unique winner)."""
    return (R.permutation(int(np.prod(shape))).reshape(shape) + R.uniform(0.1, 0.4, size=shape)) / 4


OP_RECIPES = {
    # elementwise
    "add": (ops.add, [normal(2, 3), normal(3)]),
    "subtract": (ops.subtract, [normal(2, 1), normal(1, 3)]),
    "multiply": (ops.multiply, [normal(2, 1, 3), normal(4, 1)]),
    "divide": (ops.divide, [normal(2, 3), positive(2, 3)]),
    "true_divide": (ops.true_divide, [normal(3), positive(3)]),
    "power": (ops.power, [positive(2, 3), normal(2, 3)]),
    "maximum": (ops.maximum, [normal(3, 4), normal(3, 4)]),
    "minimum": (ops.minimum, [normal(3, 4), normal(4)]),
    "where": (lambda a, b: ops.where(np.array([[True, False, True]]), a, b), [normal(2, 3), normal(2, 3)]),
    "negative": (ops.negative, [normal(2, 3)]),
    "abs": (ops.abs, [away_from_zero(2, 3)]),
    "absolute": (ops.absolute, [away_from_zero(3)]),
    "exp": (ops.exp, [normal(2, 3)]),
    "log": (ops.log, [positive(2, 3)]),
    "log1p": (ops.log1p, [positive(2, 3)]),
    "sqrt": (ops.sqrt, [positive(2, 3)]),
    "square": (ops.square, [normal(2, 3)]),
    "sin": (ops.sin, [normal(2, 3)]),
    "cos": (ops.cos, [normal(2, 3)]),
    "reciprocal": (ops.reciprocal, [positive(2, 3)]),
    "clip": (lambda x: ops.clip(x, -0.5, 0.5), [R.choice([-1, 1], size=(3, 4)) * R.uniform(0.1, 1.0, (3, 4))]),
    "cast": (lambda x: ops.cast(x, x.dtype), [normal(2, 3)]),
    # activations
    "relu": (lambda x: ops.relu(x, negative_slope=0.1, max_value=1.0, threshold=0.05), [away_from_zero(3, 4)]),
    "relu6": (lambda x: ops.relu6(x * 5), [away_from_zero(3, 4)]),
    "leaky_relu": (ops.leaky_relu, [away_from_zero(3, 4)]),
    "sigmoid": (ops.sigmoid, [normal(3, 4)]),
    "tanh": (ops.tanh, [normal(3, 4)]),
    "softmax": (lambda x: ops.softmax(x, axis=0), [normal(3, 4)]),
    "log_softmax": (ops.log_softmax, [normal(3, 4)]),
    "softplus": (ops.softplus, [normal(3, 4)]),
    "softsign": (ops.softsign, [away_from_zero(3, 4)]),
    "elu": (lambda x: ops.elu(x, alpha=0.7), [away_from_zero(3, 4)]),
    "selu": (ops.selu, [away_from_zero(3, 4)]),
    "hard_sigmoid": (lambda x: ops.hard_sigmoid(x * 2), [away_from_zero(3, 4)]),
    "hard_silu": (lambda x: ops.hard_silu(x * 2), [away_from_zero(3, 4)]),
    "exponential": (ops.exponential, [normal(3)]),
    "silu": (ops.silu, [normal(3, 4)]),
    "swish": (ops.swish, [normal(3, 4)]),
    "erf": (ops.erf, [normal(3, 4)]),
    "gelu": (lambda x: ops.add(ops.gelu(x), ops.gelu(x, approximate=True)), [normal(3, 4)]),
    "linear": (ops.linear, [normal(3)]),
    # linear algebra
    "matmul": (lambda a, b, c, d: [ops.matmul(a, b), ops.matmul(c, d), ops.matmul(d[0, :, 0], b)],
               [normal(3, 4), normal(4, 2), normal(2, 3, 4), normal(2, 4, 5)]),
    "dot": (lambda a, b: ops.dot(a, b), [normal(2, 3, 4), normal(3, 4, 2)]),
    "tensordot": (lambda a, b: ops.tensordot(a, b, axes=([1], [0])), [normal(2, 3, 4), normal(3, 5)]),
    "batch_dot": (lambda a, b: ops.batch_dot(a, b, axes=(2, 1)), [normal(2, 3, 4), normal(2, 4, 5)]),
    # reductions
    "sum": (lambda x: [ops.sum(x, axis=1), ops.sum(x), ops.sum(x, axis=(0, 2), keepdims=True)], [normal(2, 3, 4)]),
    "mean": (lambda x: [ops.mean(x, axis=-1), ops.mean(x, axis=[0, 1])], [normal(2, 3, 4)]),
    "max": (lambda x: [ops.max(x, axis=1), ops.max(x)], [distinct(3, 4)]),
    "min": (lambda x: ops.min(x, axis=0, keepdims=True), [distinct(3, 4)]),
    "prod": (lambda x: ops.prod(x, axis=1), [away_from_zero(3, 4)]),
    "var": (lambda x: ops.var(x, axis=1), [normal(3, 4)]),
    "std": (lambda x: ops.std(x, axis=0), [normal(3, 4)]),
    "logsumexp": (lambda x: ops.logsumexp(x, axis=-1), [normal(3, 4)]),
    "norm": (lambda x: ops.norm(x, axis=1), [normal(3, 4)]),
    "l2_normalize": (lambda x: ops.l2_normalize(x, axis=-1), [normal(3, 4)]),
    # moving values
    "reshape": (lambda x: ops.reshape(x, (4, 3)), [normal(2, 6)]),
    "transpose": (lambda x: ops.transpose(x, (2, 0, 1)), [normal(2, 3, 4)]),
    "getitem": (lambda x: [x[:, 1:3], x[np.array([0, 0, 1])], x[..., ::-2]], [normal(2, 4, 3)]),
    "concatenate": (lambda a, b: ops.concatenate([a, b], axis=1), [normal(2, 3), normal(2, 2)]),
    "stack": (lambda a, b: ops.stack([a, b], axis=1), [normal(2, 3), normal(2, 3)]),
    "pad": (lambda x: ops.pad(x, ((1, 0), (2, 1))), [normal(2, 3)]),
    "tile": (lambda x: ops.tile(x, (2, 3)), [normal(2, 3)]),
    "repeat": (lambda x: ops.repeat(x, 2, axis=1), [normal(2, 3)]),
    "broadcast_to": (lambda x: ops.broadcast_to(x, (4, 2, 3)), [normal(2, 1)]),
    "expand_dims": (lambda x: ops.expand_dims(x, 1), [normal(2, 3)]),
    "squeeze": (lambda x: ops.squeeze(x, 1), [normal(2, 1, 3)]),
    "flatten_batch": (ops.flatten_batch, [normal(2, 3, 2)]),
    "moveaxis": (lambda x: ops.moveaxis(x, 0, 2), [normal(2, 3, 4)]),
    "swapaxes": (lambda x: ops.swapaxes(x, 0, 1), [normal(2, 3, 4)]),
    "flip": (lambda x: ops.flip(x, 1), [normal(2, 3)]),
    "split": (lambda x: ops.split(x, [1, 3], axis=1), [normal(2, 4)]),
    "unstack": (lambda x: ops.unstack(x, axis=1), [normal(2, 3)]),
    "take": (lambda t: [ops.take(t, np.array([[0, 2], [2, 1]])), ops.take(t, np.array([1, 0]), axis=1)], [normal(3, 4)]),
    # convolution, pooling, resizing
    "conv": (lambda x, k, k1: [ops.conv(x, k, strides=1, padding="same", dilation_rate=2),
                               ops.conv(x, k, strides=2, padding="valid"),
                               ops.conv(x[:, 0], k1, strides=1, padding="causal")],
             [normal(2, 5, 5, 2), normal(2, 2, 2, 3), normal(3, 2, 3)]),
    "depthwise_conv": (lambda x, k: ops.depthwise_conv(x, k, strides=2, padding="same"),
                       [normal(1, 5, 5, 2), normal(3, 3, 2, 2)]),
    "separable_conv": (lambda x, d, p: ops.separable_conv(x, d, p, padding="same"),
                       [normal(1, 4, 4, 2), normal(2, 2, 2, 2), normal(1, 1, 4, 3)]),
    "conv_transpose": (lambda x, k: [ops.conv_transpose(x, k, strides=2, padding="same"),
                                     ops.conv_transpose(x, k, strides=1, padding="valid")],
                       [normal(1, 3, 3, 2), normal(3, 3, 4, 2)]),
    "max_pool": (lambda x: [ops.max_pool(x, 2, padding="valid"), ops.max_pool(x, 3, strides=2, padding="same")],
                 [distinct(2, 5, 5, 2)]),
    "average_pool": (lambda x: [ops.average_pool(x, 2, padding="valid"), ops.average_pool(x, 3, 2, padding="same")],
                     [normal(2, 5, 5, 2)]),
    "upsample": (lambda x: [ops.upsample(x, (2, 3), (1, 2)), ops.upsample(x, (2, 2), (1, 2), interpolation="bilinear")],
                 [normal(1, 3, 2, 2)]),
    # recurrent scans (time-major inside; batch, time, features outside)
    "simple_rnn_scan": (lambda xp, u, h0: ops.simple_rnn_scan(xp, u, h0), [normal(2, 4, 3), normal(3, 3) * 0.5, normal(2, 3)]),
    "lstm_scan": (lambda xp, u, h0, c0: ops.lstm_scan(xp, u, h0, c0),
                  [normal(2, 4, 12), normal(3, 12) * 0.5, normal(2, 3), normal(2, 3)]),
    "gru_scan": (lambda xp, u, b1, h0: [ops.gru_scan(xp, u, b1, h0), ops.gru_scan(xp, u, b1, h0, reset_after=False)],
                 [normal(2, 4, 9), normal(3, 9) * 0.5, normal(9), normal(2, 3)]),
}

# ops without a gradient (piecewise constant or integer valued) and helpers that are not ops
NOT_DIFFERENTIABLE = {
    "argmax", "argmin", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "sign", "floor", "ceil", "round", "one_hot",
}
NOT_OPS = {"apply", "composite", "is_symbolic", "unbroadcast"}


def _public_ops():
    return sorted(
        name for name, obj in vars(ops).items()
        if not name.startswith("_") and callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj)
    )


def test_every_differentiable_op_has_a_recipe():
    missing = [n for n in _public_ops() if n not in OP_RECIPES and n not in NOT_DIFFERENTIABLE | NOT_OPS]
    assert not missing, f"ops without a gradient check recipe in tests/training/test_gradcheck.py: {missing}"


@pytest.mark.parametrize("name", sorted(n for n in OP_RECIPES if hasattr(ops, n)))
def test_op_gradient(name):
    fn, arrays = OP_RECIPES[name]
    gradcheck(fn, arrays, diff=list(range(len(arrays))))


def test_a_tensor_used_twice_accumulates_both_contributions():
    gradcheck(lambda x: ops.add(ops.multiply(x, x), ops.sin(x)), [normal(3)], diff=[0])


@pytest.mark.parametrize("name", sorted(NOT_DIFFERENTIABLE & set(_public_ops())))
def test_piecewise_constant_ops_have_zero_gradient(name):
    fn = getattr(ops, name)
    x = Tensor(normal(2, 3), requires_grad=True)
    with enable_grad():
        if name == "one_hot":
            return
        args = (x, Tensor(normal(2, 3))) if len(inspect.signature(fn).parameters) > 1 and name not in ("argmax", "argmin") else (x,)
        out = fn(*args)
    assert not (isinstance(out, Tensor) and out.requires_grad) or np.all(gradients(ops.sum(ops.cast(out, np.float64)), [x])[0] == 0)


# ============================================================================ layers
def _int(maxval, *shape):
    return ("int", maxval, shape)


def _cell_call(states):
    def call(layer, xs, training):
        return layer(xs[0], list(xs[1:1 + states]), training=training)[0]
    return call


class Recipe:
    def __init__(self, cls, make, shapes, call=None, label=None):
        self.cls, self.make, self.shapes, self.call, self.label = cls, make, shapes, call, label


LAYER_RECIPES = [
    Recipe("Activation", lambda: L.Activation("tanh"), [(2, 3)]),
    Recipe("ActivityRegularization", lambda: L.ActivityRegularization(l1=0.01, l2=0.01), [(2, 3)]),
    Recipe("Add", lambda: L.Add(), [(2, 3), (2, 3)]),
    Recipe("Subtract", lambda: L.Subtract(), [(2, 3), (2, 3)]),
    Recipe("Multiply", lambda: L.Multiply(), [(2, 3), (2, 3), (2, 3)]),
    Recipe("Average", lambda: L.Average(), [(2, 3), (2, 3)]),
    Recipe("Maximum", lambda: L.Maximum(), [(2, 3), (2, 3)]),
    Recipe("Minimum", lambda: L.Minimum(), [(2, 3), (2, 3)]),
    Recipe("Concatenate", lambda: L.Concatenate(axis=1), [(2, 3, 2), (2, 1, 2)]),
    Recipe("Dot", lambda: L.Dot(axes=1), [(2, 3), (2, 3)]),
    Recipe("Dot", lambda: L.Dot(axes=(2, 1), normalize=True), [(2, 3, 4), (2, 4, 2)], label="Dot[normalize]"),
    Recipe("Dense", lambda: L.Dense(3, activation="tanh"), [(2, 4)]),
    Recipe("Dense", lambda: L.Dense(2), [(2, 3, 4)], label="Dense[3d]"),
    Recipe("Dropout", lambda: L.Dropout(0.4), [(4, 5)]),
    Recipe("Identity", lambda: L.Identity(), [(2, 3)]),
    Recipe("Lambda", lambda: L.Lambda(lambda t: t[:, :2] * ops.exp(t[:, 1:3])), [(2, 4)]),
    Recipe("Flatten", lambda: L.Flatten(), [(2, 2, 3)]),
    Recipe("Permute", lambda: L.Permute((2, 1)), [(2, 3, 4)]),
    Recipe("RepeatVector", lambda: L.RepeatVector(3), [(2, 4)]),
    Recipe("Reshape", lambda: L.Reshape((3, 2)), [(2, 6)]),
    Recipe("ELU", lambda: L.ELU(alpha=0.5), [(2, 5)]),
    Recipe("LeakyReLU", lambda: L.LeakyReLU(), [(2, 5)]),
    Recipe("PReLU", lambda: L.PReLU(alpha_initializer="ones"), [(2, 3, 4)]),
    Recipe("PReLU", lambda: L.PReLU(shared_axes=[1]), [(2, 3, 4)], label="PReLU[shared]"),
    Recipe("ReLU", lambda: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.05), [(2, 5)]),
    Recipe("Softmax", lambda: L.Softmax(axis=-1), [(2, 5)]),
    Recipe("ThresholdedReLU", lambda: L.ThresholdedReLU(theta=0.3), [(2, 5)]),
    Recipe("Conv1D", lambda: L.Conv1D(3, 2), [(2, 5, 2)]),
    Recipe("Conv1D", lambda: L.Conv1D(2, 3, strides=2, padding="same"), [(2, 6, 2)], label="Conv1D[same,s2]"),
    Recipe("Conv1D", lambda: L.Conv1D(2, 2, dilation_rate=2, padding="causal"), [(2, 5, 2)], label="Conv1D[causal,d2]"),
    Recipe("Conv1DTranspose", lambda: L.Conv1DTranspose(2, 3, strides=2), [(2, 3, 2)]),
    Recipe("Conv2D", lambda: L.Conv2D(3, 2, activation="relu"), [(2, 4, 4, 2)]),
    Recipe("Conv2D", lambda: L.Conv2D(2, 3, strides=2, padding="same"), [(1, 5, 5, 2)], label="Conv2D[same,s2]"),
    Recipe("Conv2D", lambda: L.Conv2D(2, 2, dilation_rate=2), [(1, 5, 5, 2)], label="Conv2D[d2]"),
    Recipe("Conv2DTranspose", lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"), [(1, 3, 3, 2)]),
    Recipe("Conv3D", lambda: L.Conv3D(2, 2), [(1, 3, 3, 3, 2)]),
    Recipe("Conv3DTranspose", lambda: L.Conv3DTranspose(2, 2, strides=2), [(1, 2, 2, 2, 1)]),
    Recipe("DepthwiseConv1D", lambda: L.DepthwiseConv1D(2, depth_multiplier=2), [(2, 5, 2)]),
    Recipe("DepthwiseConv2D", lambda: L.DepthwiseConv2D(2, depth_multiplier=2), [(1, 4, 4, 2)]),
    Recipe("SeparableConv1D", lambda: L.SeparableConv1D(3, 2), [(2, 5, 2)]),
    Recipe("SeparableConv2D", lambda: L.SeparableConv2D(3, 2, padding="same"), [(1, 4, 4, 2)]),
    Recipe("Cropping1D", lambda: L.Cropping1D((1, 2)), [(2, 5, 2)]),
    Recipe("Cropping2D", lambda: L.Cropping2D(((1, 0), (0, 1))), [(1, 4, 4, 2)]),
    Recipe("Cropping3D", lambda: L.Cropping3D(1), [(1, 3, 4, 3, 1)]),
    Recipe("UpSampling1D", lambda: L.UpSampling1D(2), [(2, 3, 2)]),
    Recipe("UpSampling2D", lambda: L.UpSampling2D(2), [(1, 2, 3, 2)]),
    Recipe("UpSampling2D", lambda: L.UpSampling2D(2, interpolation="bilinear"), [(1, 3, 2, 2)],
           label="UpSampling2D[bilinear]"),
    Recipe("UpSampling3D", lambda: L.UpSampling3D(2), [(1, 2, 2, 2, 1)]),
    Recipe("ZeroPadding1D", lambda: L.ZeroPadding1D(2), [(2, 3, 2)]),
    Recipe("ZeroPadding2D", lambda: L.ZeroPadding2D(((1, 0), (2, 1))), [(1, 2, 3, 2)]),
    Recipe("ZeroPadding3D", lambda: L.ZeroPadding3D(1), [(1, 2, 2, 2, 1)]),
    Recipe("MaxPooling1D", lambda: L.MaxPooling1D(2), [(2, 6, 2)]),
    Recipe("MaxPooling2D", lambda: L.MaxPooling2D(2), [(2, 4, 4, 2)]),
    Recipe("MaxPooling2D", lambda: L.MaxPooling2D(3, strides=2, padding="same"), [(1, 5, 5, 2)],
           label="MaxPooling2D[same]"),
    Recipe("MaxPooling3D", lambda: L.MaxPooling3D(2), [(1, 4, 4, 4, 1)]),
    Recipe("AveragePooling1D", lambda: L.AveragePooling1D(2, padding="same"), [(2, 5, 2)]),
    Recipe("AveragePooling2D", lambda: L.AveragePooling2D(2), [(2, 4, 4, 2)]),
    Recipe("AveragePooling2D", lambda: L.AveragePooling2D(3, strides=2, padding="same"), [(1, 5, 5, 2)],
           label="AveragePooling2D[same]"),
    Recipe("AveragePooling3D", lambda: L.AveragePooling3D(2), [(1, 4, 4, 4, 1)]),
    Recipe("GlobalMaxPooling1D", lambda: L.GlobalMaxPooling1D(), [(2, 4, 3)]),
    Recipe("GlobalMaxPooling2D", lambda: L.GlobalMaxPooling2D(), [(2, 3, 3, 2)]),
    Recipe("GlobalMaxPooling3D", lambda: L.GlobalMaxPooling3D(), [(1, 2, 2, 2, 3)]),
    Recipe("GlobalAveragePooling1D", lambda: L.GlobalAveragePooling1D(), [(2, 4, 3)]),
    Recipe("GlobalAveragePooling2D", lambda: L.GlobalAveragePooling2D(), [(2, 3, 3, 2)]),
    Recipe("GlobalAveragePooling3D", lambda: L.GlobalAveragePooling3D(), [(1, 2, 2, 2, 3)]),
    Recipe("BatchNormalization", lambda: L.BatchNormalization(), [(5, 3)]),
    Recipe("BatchNormalization", lambda: L.BatchNormalization(axis=-1), [(2, 3, 3, 2)], label="BatchNormalization[4d]"),
    Recipe("LayerNormalization", lambda: L.LayerNormalization(), [(2, 5)]),
    Recipe("Embedding", lambda: L.Embedding(6, 3), [_int(6, 2, 4)]),
    Recipe("Masking", lambda: L.Masking(0.0), [(2, 3, 2)]),
    Recipe("GaussianNoise", lambda: L.GaussianNoise(0.5), [(3, 4)]),
    Recipe("GaussianDropout", lambda: L.GaussianDropout(0.3), [(3, 4)]),
    Recipe("AlphaDropout", lambda: L.AlphaDropout(0.3), [(3, 4)]),
    Recipe("SpatialDropout1D", lambda: L.SpatialDropout1D(0.5), [(2, 4, 3)]),
    Recipe("SpatialDropout2D", lambda: L.SpatialDropout2D(0.5), [(1, 3, 3, 4)]),
    Recipe("SpatialDropout3D", lambda: L.SpatialDropout3D(0.5), [(1, 2, 2, 2, 3)]),
    Recipe("SimpleRNN", lambda: L.SimpleRNN(3, return_sequences=True), [(2, 4, 3)]),
    Recipe("LSTM", lambda: L.LSTM(3), [(2, 4, 3)]),
    Recipe("LSTM", lambda: L.LSTM(2, return_sequences=True, go_backwards=True, dropout=0.3, recurrent_dropout=0.3),
           [(2, 3, 3)], label="LSTM[dropout,backwards]"),
    Recipe("GRU", lambda: L.GRU(3), [(2, 4, 3)]),
    Recipe("GRU", lambda: L.GRU(2, reset_after=False, return_sequences=True), [(2, 3, 3)], label="GRU[reset_before]"),
    Recipe("SimpleRNNCell", lambda: L.SimpleRNNCell(3), [(2, 4), (2, 3)], call=_cell_call(1)),
    Recipe("LSTMCell", lambda: L.LSTMCell(3), [(2, 4), (2, 3), (2, 3)], call=_cell_call(2)),
    Recipe("GRUCell", lambda: L.GRUCell(3), [(2, 4), (2, 3)], call=_cell_call(1)),
    Recipe("RNN", lambda: L.RNN(L.LSTMCell(2), return_sequences=True), [(2, 3, 3)]),
    Recipe("StackedRNNCells", lambda: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(2), L.GRUCell(3)])), [(2, 3, 2)]),
    Recipe("Bidirectional", lambda: L.Bidirectional(L.LSTM(2, return_sequences=True)), [(2, 3, 3)]),
    Recipe("Bidirectional", lambda: L.Bidirectional(L.GRU(2), merge_mode="sum"), [(2, 3, 3)], label="Bidirectional[gru,sum]"),
    Recipe("TimeDistributed", lambda: L.TimeDistributed(L.Dense(2, activation="sigmoid")), [(2, 3, 4)]),
    Recipe("LocallyConnected1D", lambda: L.LocallyConnected1D(2, 2), [(2, 4, 2)]),
    Recipe("LocallyConnected2D", lambda: L.LocallyConnected2D(2, 2, activation="tanh"), [(1, 3, 3, 2)]),
    Recipe("ConvLSTM1D", lambda: L.ConvLSTM1D(2, 2, return_sequences=True), [(2, 3, 4, 2)]),
    Recipe("ConvLSTM2D", lambda: L.ConvLSTM2D(2, 2, padding="same"), [(1, 2, 3, 3, 1)]),
    Recipe("ConvLSTM3D", lambda: L.ConvLSTM3D(1, 2), [(1, 2, 3, 2, 2, 1)]),
    Recipe("ConvLSTMCell", lambda: L.ConvLSTMCell(2, 2, 2, padding="same"), [(1, 3, 3, 1), (1, 3, 3, 2), (1, 3, 3, 2)],
           call=_cell_call(2)),
]

# base classes, not layers one calls directly
NOT_CALLED_DIRECTLY = {"Layer", "InputLayer", "Merge"}


def _layer_classes():
    found = {}
    for name, obj in vars(L).items():
        if isinstance(obj, type) and issubclass(obj, Layer) and obj.__name__ not in NOT_CALLED_DIRECTLY:
            found.setdefault(obj.__name__, obj)
    return found


def _layer_params():
    classes = _layer_classes()
    params = []
    covered = set()
    for recipe in LAYER_RECIPES:
        if recipe.cls in classes:
            covered.add(recipe.cls)
            params.append(pytest.param(recipe, id=recipe.label or recipe.cls))
    for name in sorted(set(classes) - covered):
        params.append(pytest.param(Recipe(name, classes[name], [(2, 3, 4)]), id=f"{name}[default]"))
    return params


def _inputs(shapes, rng):
    arrays, diff = [], []
    for i, shape in enumerate(shapes):
        if isinstance(shape, tuple) and shape and shape[0] == "int":
            _, maxval, dims = shape
            arrays.append(rng.integers(0, maxval, size=dims))
        else:
            arrays.append(rng.normal(size=shape))
            diff.append(i)
    return arrays, diff


def _call(recipe, layer, tensors, training):
    if recipe.call is not None:
        return recipe.call(layer, tensors, training)
    return layer(tensors if len(tensors) > 1 else tensors[0], training=training)


@pytest.mark.parametrize("recipe", _layer_params())
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_layer_gradient(recipe, training):
    rng = np.random.default_rng(5)
    try:
        layer = recipe.make()
        arrays, diff = _inputs(recipe.shapes, rng)
        with no_grad():
            set_seed(0)
            _call(recipe, layer, [Tensor(a.astype(np.float32) if a.dtype.kind == "f" else a) for a in arrays], training)
    except Exception as error:  # a newly landed layer without a recipe
        if recipe.label is None and not any(r.cls == recipe.cls for r in LAYER_RECIPES):
            pytest.xfail(f"no gradcheck recipe for {recipe.cls} and default arguments fail ({error}); add one")
        raise
    variables = [v for v in layer.weights if v.trainable]
    gradcheck(lambda *ts: _call(recipe, layer, list(ts), training), arrays, diff, variables)


class Antirectifier(Layer):
    """The Keras example layer written with K functions: gradients need no extra code."""

    def call(self, inputs):
        from kgen.keras import backend as K

        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        return K.concatenate([K.relu(inputs), K.relu(-inputs)], axis=1)


class ScaledDense(Layer):
    """A custom layer with its own weights, written with keras.ops."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3), initializer="glorot_uniform", name="kernel")
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, inputs):
        from kgen.keras import ops as kops

        return kops.tanh(kops.matmul(inputs, self.kernel)) * self.scale + kops.square(inputs[:, :1])


@pytest.mark.parametrize("cls", [Antirectifier, ScaledDense])
def test_custom_layers_get_gradients_with_no_extra_code(cls):
    layer = cls()
    x = np.random.default_rng(1).normal(size=(3, 4))
    layer(Tensor(x.astype(np.float32)))
    gradcheck(lambda t: layer(t), [x], [0], [v for v in layer.weights if v.trainable])


def test_gradients_through_a_functional_model_with_shared_layers():
    from kgen.keras import Input, Model, layers

    a, b = Input(shape=(3,)), Input(shape=(3,))
    shared = layers.Dense(4, activation="tanh")
    merged = layers.concatenate([shared(a), shared(b)])
    model = Model([a, b], layers.Dense(2)(merged))
    rng = np.random.default_rng(2)
    xs = [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))]
    gradcheck(lambda ta, tb: model([ta, tb], training=True), xs, [0, 1], model.trainable_weights)
