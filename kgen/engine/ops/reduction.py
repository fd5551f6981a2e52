"""Reductions over axes: sum, mean, max, min, prod (+ argmax/argmin without gradient)."""

from __future__ import annotations

import numpy as np

from kgen.engine.ops.base import Op, apply
from kgen.engine.ops import elementwise as ew


def _norm_axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _expand(g, shape, axis, keepdims):
    """Put back the reduced axes of `g` so it broadcasts against the input."""
    if keepdims or axis is None and g.ndim == len(shape):
        return g
    if axis is None:
        return np.reshape(g, (1,) * len(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    axes = sorted(a % len(shape) for a in axes)
    for a in axes:
        g = np.expand_dims(g, a)
    return g


class Sum(Op):
    name = "sum"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        return np.sum(x, axis=axis, keepdims=keepdims).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        shape = ctx.shapes[0]
        g = _expand(g, shape, ctx.attrs.get("axis"), ctx.attrs.get("keepdims"))
        return np.broadcast_to(g, shape).astype(g.dtype)


class Mean(Op):
    name = "mean"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        return np.mean(x, axis=axis, keepdims=keepdims).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        shape = ctx.shapes[0]
        axis = ctx.attrs.get("axis")
        count = np.prod(shape) if axis is None else np.prod(
            [shape[a] for a in ((axis,) if isinstance(axis, int) else axis)]
        )
        g = _expand(g, shape, axis, ctx.attrs.get("keepdims"))
        return (np.broadcast_to(g, shape) / count).astype(g.dtype)


class _Extreme(Op):
    fn = None

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        y = cls.fn(x, axis=axis, keepdims=True)
        ctx.save(x, y)
        return y if keepdims else np.squeeze(y, axis=axis) if axis is not None else y.reshape(())

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        axis = ctx.attrs.get("axis")
        g = _expand(g, x.shape, axis, ctx.attrs.get("keepdims"))
        hit = x == y
        count = np.sum(hit, axis=axis, keepdims=True)
        return (g * hit / count).astype(x.dtype)


class Max(_Extreme):
    name = "max"
    fn = staticmethod(np.max)


class Min(_Extreme):
    name = "min"
    fn = staticmethod(np.min)


class Prod(Op):
    name = "prod"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.prod(x, axis=axis, keepdims=True)
        ctx.save(x, y)
        return y if keepdims else np.squeeze(y, axis=axis) if axis is not None else y.reshape(())

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        g = _expand(g, x.shape, ctx.attrs.get("axis"), ctx.attrs.get("keepdims"))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x != 0, g * y / x, 0).astype(x.dtype)


class ArgMax(Op):
    name = "argmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        return np.argmax(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return None


class ArgMin(Op):
    name = "argmin"

    @staticmethod
    def forward(ctx, x, axis=-1):
        return np.argmin(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return None


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return apply(Sum, x, axis=_norm_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return apply(Mean, x, axis=_norm_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return apply(Max, x, axis=_norm_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return apply(Min, x, axis=_norm_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return apply(Prod, x, axis=_norm_axis(axis), keepdims=keepdims)


def argmax(x, axis=-1):
    return apply(ArgMax, x, axis=axis)


def argmin(x, axis=-1):
    return apply(ArgMin, x, axis=axis)


def var(x, axis=None, keepdims=False):
    centered = ew.subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(ew.square(centered), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ew.sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims=False):
    m = max(x, axis=axis, keepdims=True)
    from kgen.engine.tensor import as_array

    m_const = as_array(m)  # shift by a constant: the gradient flows through the exp term only
    out = ew.add(ew.log(sum(ew.exp(ew.subtract(x, m_const)), axis=axis, keepdims=True)), m_const)
    if keepdims:
        return out
    from kgen.engine.ops.shape import squeeze

    return squeeze(out, axis) if axis is not None else squeeze(out)


def norm(x, axis=None, keepdims=False):
    return ew.sqrt(sum(ew.square(x), axis=axis, keepdims=keepdims))


def l2_normalize(x, axis=-1, epsilon=1e-12):
    """x / sqrt(max(sum(x^2), epsilon)) along `axis` (Keras' formula)."""
    square_sum = sum(ew.square(x), axis=axis, keepdims=True)
    return ew.multiply(x, ew.power(ew.maximum(square_sum, epsilon), -0.5))
