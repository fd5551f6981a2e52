"""Pooling as ops: max_pool and average_pool (keras.ops names), 1, 2 or 3 spatial axes.

One primitive, `Pool` (channels-last, 2 or 3 spatial axes, explicit padding), runs on the
device's `pool2d`/`pool3d` kernels and their gradients: padded cells never win a max and
are not counted in an average (Keras 'same'). 1-D pooling is 2-D pooling over a height of
1; channels_first is a transpose on each side.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.ops import shape as sh
from kgen.engine.ops.base import Op, apply, composite
from kgen.engine.ops.conv import _from_channels_last, _to_channels_last, _tuple, padding_amounts


def _kernel(name):
    from kgen.engine import device

    return device.kernel(name)


class Pool(Op):
    """y = pool(x): x (N, *spatial, C) -> (N, *out, C); mode 'max' or 'avg'."""

    name = "pool"

    @staticmethod
    def forward(ctx, x, pool, strides, padding, mode):
        ctx.save(x)
        if x.dtype == np.float32:
            return _kernel(f"pool{x.ndim - 2}d")(x, pool, strides, padding, mode)
        return np_pool(x, pool, strides, padding, mode)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        a = ctx.attrs
        if x.dtype == np.float32 and g.dtype == np.float32:
            return _kernel(f"pool{x.ndim - 2}d_grad")(x, g, a["pool"], a["strides"], a["padding"], a["mode"])
        return np_pool_grad(x, g, a["pool"], a["strides"], a["padding"], a["mode"])


# The same maths in numpy for non-float32 arrays (float64 finite-difference checks): one
# strided slice of the padded input per window tap, taps visited in row-major order.


def _windows(x, pool, strides, padding, fill):
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),), constant_values=fill)
    out = tuple(
        max((n + lo + hi - k) // s + 1, 0) for n, k, s, (lo, hi) in zip(x.shape[1:-1], pool, strides, padding)
    )
    for taps in np.ndindex(*pool):
        index = (slice(None),) + tuple(slice(t, t + (o - 1) * s + 1, s) for t, o, s in zip(taps, out, strides))
        yield index, xp[index]


def _counts(x, pool, strides, padding):
    ones = np.ones((1,) + x.shape[1:-1] + (1,), dtype=x.dtype)
    return sum(w for _, w in _windows(ones, pool, strides, padding, 0))


def np_pool(x, pool, strides, padding, mode):
    if mode == "max":
        windows = [w for _, w in _windows(x, pool, strides, padding, -np.inf)]
        return np.maximum.reduce(windows)
    total = sum(w for _, w in _windows(x, pool, strides, padding, 0))
    return total / np.maximum(_counts(x, pool, strides, padding), 1)


def np_pool_grad(x, g, pool, strides, padding, mode):
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], padding))
    gxp = np.zeros((x.shape[0],) + padded + (x.shape[-1],), dtype=np.result_type(x, g))
    if mode == "max":
        y = np_pool(x, pool, strides, padding, mode)
        taken = np.zeros(y.shape, dtype=bool)
        for index, window in _windows(x, pool, strides, padding, -np.inf):
            first = (window == y) & ~taken  # the first maximum of each window gets the gradient
            gxp[index] += g * first
            taken |= first
    else:
        share = g / np.maximum(_counts(x, pool, strides, padding), 1)
        for index, _ in _windows(x, pool, strides, padding, 0):
            gxp[index] += share
    return gxp[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[1:-1], padding))]


def _pool(inputs, pool_size, strides, padding, data_format, mode):
    x = _to_channels_last(inputs, data_format)
    nd = len(x.shape) - 2
    pool = _tuple(pool_size, nd, "pool_size")
    strides = pool if strides is None else _tuple(strides, nd, "strides")
    pads = padding_amounts(padding, x.shape[1:-1], pool, strides, (1,) * nd)
    if nd == 1:
        x = sh.reshape(x, (x.shape[0], 1) + tuple(x.shape[1:]))
        y = apply(Pool, x, pool=(1,) + pool, strides=(1,) + strides, padding=((0, 0),) + pads, mode=mode)
        y = sh.reshape(y, (y.shape[0],) + tuple(y.shape[2:]))
    elif nd in (2, 3):
        y = apply(Pool, x, pool=pool, strides=strides, padding=pads, mode=mode)
    else:
        raise ValueError(f"pooling supports 1, 2 or 3 spatial axes; received an input of rank {nd + 2}.")
    return _from_channels_last(y, data_format)


@composite
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """Maximum over each window (strides default to pool_size)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


@composite
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """Mean over each window's real (non-padded) cells (strides default to pool_size)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "avg")
