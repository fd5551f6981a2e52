"""Elementwise activations and last-axis softmax kernels.

Elementwise kernels work on the flattened array (any shape in, same shape out) with a
`prange` over elements.  Softmax-family kernels view x as (rows, n) with n = x.shape[-1]
and run `prange` over rows; each row is processed in place in the output, no temporaries.
Small inputs run on one thread (measured size thresholds below, see `_common.launch`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._common import f32, launch

# Below these sizes the kernels run on one thread (see `launch`); measured crossovers.
MIN_PARALLEL_CHEAP = 1 << 20  # relu, relu_grad, softmax_grad: memory-bound
MIN_PARALLEL_TRANSCENDENTAL = 1 << 15  # sigmoid, tanh, softmax, log_softmax: exp/tanh per element

_ONE = np.float32(1.0)


@njit(parallel=True, cache=True)
def _relu(x, y):
    for i in prange(x.size):
        v = x[i]
        y[i] = v if (v > 0.0 or v != v) else 0.0  # NaN passes through, as in Keras


@njit(parallel=True, cache=True)
def _relu_grad(x, gy, gx):
    for i in prange(x.size):
        gx[i] = gy[i] if x[i] > 0.0 else 0.0


@njit(parallel=True, cache=True)
def _sigmoid(x, y):
    # e = exp(-|v|) never overflows; sigmoid(v) = 1/(1+e) for v >= 0 and e/(1+e) otherwise.
    # Branch-free float32 arithmetic: 3x faster than the float64 if/else form.
    for i in prange(x.size):
        v = x[i]
        e = np.exp(-np.abs(v))
        r = _ONE / (_ONE + e)
        y[i] = r if v >= 0 else e * r


@njit(parallel=True, cache=True)
def _tanh(x, y):
    for i in prange(x.size):
        y[i] = math.tanh(x[i])


@njit(parallel=True, cache=True)
def _softmax(x, y):
    rows, n = x.shape
    for r in prange(rows):
        m = -np.inf
        for j in range(n):
            if x[r, j] > m:
                m = x[r, j]
        s = 0.0
        for j in range(n):
            e = math.exp(x[r, j] - m)
            y[r, j] = e
            s += e
        inv = 1.0 / s
        for j in range(n):
            y[r, j] *= inv


@njit(parallel=True, cache=True)
def _log_softmax(x, y):
    rows, n = x.shape
    for r in prange(rows):
        m = -np.inf
        for j in range(n):
            if x[r, j] > m:
                m = x[r, j]
        s = 0.0
        for j in range(n):
            s += math.exp(x[r, j] - m)
        lse = m + math.log(s)
        for j in range(n):
            y[r, j] = x[r, j] - lse


@njit(parallel=True, cache=True)
def _softmax_grad(y, gy, gx):
    rows, n = y.shape
    for r in prange(rows):
        d = 0.0
        for j in range(n):
            d += gy[r, j] * y[r, j]
        for j in range(n):
            gx[r, j] = y[r, j] * (gy[r, j] - d)


def _flat(x):
    x = f32(x)
    return x, x.reshape(-1)


def _rows(x):
    x = f32(x)
    if x.ndim == 0:
        raise ValueError("softmax needs at least one axis")
    n = x.shape[-1]
    rows = x.size // n if n else 0
    return x, x.reshape(rows, n)


def relu(x) -> np.ndarray:
    """max(x, 0) elementwise, any shape.  Parallel over the flattened array."""
    x, xf = _flat(x)
    y = np.empty_like(x)
    launch(_relu, xf.size, MIN_PARALLEL_CHEAP, xf, y.reshape(-1))
    return y


def relu_grad(x, gy) -> np.ndarray:
    """gy where x > 0 else 0 (the subgradient at 0 is 0, as in TF).  x and gy same shape."""
    x, xf = _flat(x)
    gy, gyf = _flat(gy)
    if x.shape != gy.shape:
        raise ValueError(f"relu_grad: x {x.shape} and gy {gy.shape} differ")
    gx = np.empty_like(x)
    launch(_relu_grad, xf.size, MIN_PARALLEL_CHEAP, xf, gyf, gx.reshape(-1))
    return gx


def sigmoid(x) -> np.ndarray:
    """1 / (1 + exp(-x)) elementwise, evaluated without overflow for large |x|."""
    x, xf = _flat(x)
    y = np.empty_like(x)
    launch(_sigmoid, xf.size, MIN_PARALLEL_TRANSCENDENTAL, xf, y.reshape(-1))
    return y


def tanh(x) -> np.ndarray:
    """tanh(x) elementwise."""
    x, xf = _flat(x)
    y = np.empty_like(x)
    launch(_tanh, xf.size, MIN_PARALLEL_TRANSCENDENTAL, xf, y.reshape(-1))
    return y


def softmax(x) -> np.ndarray:
    """Softmax over the last axis, with the row max subtracted first (no overflow).

    x is viewed as (rows, n); parallel over rows; three passes over a row (max, exp+sum,
    scale), no temporaries.
    """
    x, x2 = _rows(x)
    y = np.empty_like(x)
    if x.size:
        launch(_softmax, x.size, MIN_PARALLEL_TRANSCENDENTAL, x2, y.reshape(x2.shape))
    return y


def softmax_grad(y, gy) -> np.ndarray:
    """Backward of softmax given its output y: y * (gy - sum(gy * y, -1, keepdims=True))."""
    y, y2 = _rows(y)
    gy, gy2 = _rows(gy)
    if y.shape != gy.shape:
        raise ValueError(f"softmax_grad: y {y.shape} and gy {gy.shape} differ")
    gx = np.empty_like(y)
    if y.size:
        launch(_softmax_grad, y.size, MIN_PARALLEL_CHEAP, y2, gy2, gx.reshape(y2.shape))
    return gx


def log_softmax(x) -> np.ndarray:
    """log(softmax(x)) over the last axis, computed as x - max - log(sum(exp(x - max)))."""
    x, x2 = _rows(x)
    y = np.empty_like(x)
    if x.size:
        launch(_log_softmax, x.size, MIN_PARALLEL_TRANSCENDENTAL, x2, y.reshape(x2.shape))
    return y
