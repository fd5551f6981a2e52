"""Activation functions as ops: relu, sigmoid, tanh, softmax and their Keras relatives.

Formulas follow Keras 3 (`keras/src/activations/activations.py`): hard_sigmoid is
clip(x/6 + 1/2, 0, 1), gelu is exact (erf) unless `approximate=True`, selu uses the
constants of Klambauer et al. Primitives carry a backward; the rest are compositions.
"""

from __future__ import annotations

import math

import numpy as np

from kgen.engine.ops import elementwise as ew
from kgen.engine.ops.base import Op, apply


def _kernel(name):
    from kgen.engine import device

    return device.kernel(name)


class Relu(Op):
    name = "relu"

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        if x.dtype == np.float32:
            return _kernel("relu")(x)
        return np.maximum(x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        if x.dtype == np.float32 and g.dtype == np.float32:
            return _kernel("relu_grad")(x, g)
        return g * (x > 0)


class Sigmoid(Op):
    name = "sigmoid"

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.float32:
            y = _kernel("sigmoid")(x)
        else:
            with np.errstate(over="ignore"):
                y = (1 / (1 + np.exp(-x))).astype(x.dtype, copy=False)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return g * y * (1 - y)


class Tanh(Op):
    name = "tanh"

    @staticmethod
    def forward(ctx, x):
        y = _kernel("tanh")(x) if x.dtype == np.float32 else np.tanh(x)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return g * (1 - y * y)


class Softmax(Op):
    name = "softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        if x.dtype == np.float32 and axis in (-1, x.ndim - 1):
            y = _kernel("softmax")(x)
        else:
            shifted = x - np.max(x, axis=axis, keepdims=True)
            e = np.exp(shifted)
            y = e / np.sum(e, axis=axis, keepdims=True)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        axis = ctx.attrs.get("axis", -1)
        if y.dtype == np.float32 and g.dtype == np.float32 and axis in (-1, y.ndim - 1):
            return _kernel("softmax_grad")(y, g)
        return y * (g - np.sum(g * y, axis=axis, keepdims=True))


class LogSoftmax(Op):
    name = "log_softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        axis = ctx.attrs.get("axis", -1)
        return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)


class Softplus(Op):
    name = "softplus"

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return np.logaddexp(x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(over="ignore"):
            return g / (1 + np.exp(-x))


class Elu(Op):
    name = "elu"

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        neg = alpha * np.expm1(np.minimum(x, 0))
        ctx.save(x, neg)
        return np.where(x > 0, x, neg).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, neg = ctx.saved
        alpha = ctx.attrs.get("alpha", 1.0)
        return g * np.where(x > 0, 1, neg + alpha).astype(x.dtype)


class Erf(Op):
    name = "erf"

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return _erf(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return g * (2 / math.sqrt(math.pi)) * np.exp(-x * x)


def _erf(x):
    if x.dtype == np.float32:
        return _kernel("erf")(x)
    return np.vectorize(math.erf, otypes=[x.dtype])(x)  # float64 (gradient checks)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's relu, step for step: zero (or a slope) below `threshold`, capped at `max_value`."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return apply(Relu, x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return leaky_relu(x, negative_slope)
        negative_part = apply(Relu, ew.add(ew.negative(x), threshold))
    y = x
    if threshold != 0:
        y = ew.multiply(x, ew.cast(ew.greater(x, threshold), np.float32))
    else:
        y = apply(Relu, x)
    if max_value is not None:
        y = ew.clip(y, 0.0, float(max_value))
    if negative_slope != 0.0:
        y = ew.subtract(y, ew.multiply(negative_slope, negative_part))
    return y


def relu6(x):
    return ew.minimum(apply(Relu, x), 6.0)


def leaky_relu(x, negative_slope=0.2):
    return ew.where(ew.greater_equal(x, 0), x, ew.multiply(x, negative_slope))


def sigmoid(x):
    return apply(Sigmoid, x)


def tanh(x):
    return apply(Tanh, x)


def softmax(x, axis=-1):
    return apply(Softmax, x, axis=axis)


def log_softmax(x, axis=-1):
    return apply(LogSoftmax, x, axis=axis)


def softplus(x):
    return apply(Softplus, x)


def softsign(x):
    return ew.divide(x, ew.add(ew.abs(x), 1.0))


def elu(x, alpha=1.0):
    return apply(Elu, x, alpha=alpha)


SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def selu(x):
    return ew.multiply(SELU_SCALE, elu(x, alpha=SELU_ALPHA))


def hard_sigmoid(x):
    return ew.clip(ew.add(ew.divide(x, 6.0), 0.5), 0.0, 1.0)


def hard_silu(x):
    return ew.multiply(x, hard_sigmoid(x))


def exponential(x):
    return ew.exp(x)


def silu(x):
    return ew.multiply(x, sigmoid(x))


swish = silu


def erf(x):
    return apply(Erf, x)


def gelu(x, approximate=False):
    if approximate:
        inner = ew.multiply(math.sqrt(2 / math.pi), ew.add(x, ew.multiply(0.044715, ew.power(x, 3.0))))
        return ew.multiply(ew.multiply(0.5, x), ew.add(1.0, tanh(inner)))
    return ew.multiply(ew.multiply(0.5, x), ew.add(1.0, erf(ew.divide(x, math.sqrt(2.0)))))


def linear(x):
    return x
