"""Max / average pooling (channels-last, 2-D and 3-D) and their gradients.

Window (ho, wo) covers padded rows ho*sh .. ho*sh + ph - 1 (and likewise for columns);
padded cells are never part of the window: they never win a max and are not counted in an
average (Keras/TF 'same' semantics: avg = sum of real cells / number of real cells).  A
window with no real cell at all (only possible with padding >= pool size) gives 0.

Max ties: the first maximum in row-major window order (kd, kh, kw) wins, in the forward and
in the gradient alike, so the gradient goes to exactly one cell per window.

Forward kernels: parallel over (n, output row), channels innermost (contiguous), no
allocation.  Gradient kernels scatter into gx and overlapping windows (stride < pool) touch
the same cells, so they are parallel over the batch only (each task owns gx[n]); the max
gradient keeps one (best value, best position) pair per channel in buffers allocated once
per batch item, outside the window loops.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common import f32, ints, launch, out_size, pads

MIN_PARALLEL_WORK = 1 << 16  # window reads; below this the kernels run on one thread


def _mode(mode) -> bool:
    """True for max pooling, False for average pooling."""
    if mode in ("max", "MAX", "Max"):
        return True
    if mode in ("avg", "average", "AVG", "mean"):
        return False
    raise ValueError(f"pooling mode must be 'max' or 'avg', got {mode!r}")


# ----------------------------------------------------------------------------- 2-D


@njit(parallel=True, cache=True)
def _pool2d(x, y, ph, pw, sh, sw, pt, pl, is_max):
    N, H, W, C = x.shape
    Ho, Wo = y.shape[1], y.shape[2]
    for t in prange(N * Ho):
        n = t // Ho
        ho = t % Ho
        h0 = ho * sh - pt
        h_lo = max(h0, 0)
        h_hi = min(h0 + ph, H)
        for wo in range(Wo):
            w0 = wo * sw - pl
            w_lo = max(w0, 0)
            w_hi = min(w0 + pw, W)
            count = max(h_hi - h_lo, 0) * max(w_hi - w_lo, 0)
            if count == 0:
                for c in range(C):
                    y[n, ho, wo, c] = 0.0
                continue
            if is_max:
                for c in range(C):
                    y[n, ho, wo, c] = -np.inf
                for hi in range(h_lo, h_hi):
                    for wi in range(w_lo, w_hi):
                        for c in range(C):
                            v = x[n, hi, wi, c]
                            if v > y[n, ho, wo, c]:
                                y[n, ho, wo, c] = v
            else:
                for c in range(C):
                    y[n, ho, wo, c] = 0.0
                for hi in range(h_lo, h_hi):
                    for wi in range(w_lo, w_hi):
                        for c in range(C):
                            y[n, ho, wo, c] += x[n, hi, wi, c]
                inv = 1.0 / count
                for c in range(C):
                    y[n, ho, wo, c] *= inv


@njit(parallel=True, cache=True)
def _pool2d_grad(x, gy, gx, ph, pw, sh, sw, pt, pl, is_max):
    N, H, W, C = x.shape
    Ho, Wo = gy.shape[1], gy.shape[2]
    for n in prange(N):
        gx[n] = 0.0
        best = np.empty(C, dtype=np.float32)  # per batch item, reused for every window
        arg_h = np.empty(C, dtype=np.int64)
        arg_w = np.empty(C, dtype=np.int64)
        for ho in range(Ho):
            h0 = ho * sh - pt
            h_lo = max(h0, 0)
            h_hi = min(h0 + ph, H)
            for wo in range(Wo):
                w0 = wo * sw - pl
                w_lo = max(w0, 0)
                w_hi = min(w0 + pw, W)
                count = max(h_hi - h_lo, 0) * max(w_hi - w_lo, 0)
                if count == 0:
                    continue
                if is_max:
                    # first maximum in row-major order: strict '>' while scanning (hi, wi)
                    for c in range(C):
                        best[c] = x[n, h_lo, w_lo, c]
                        arg_h[c] = h_lo
                        arg_w[c] = w_lo
                    for hi in range(h_lo, h_hi):
                        for wi in range(w_lo, w_hi):
                            for c in range(C):
                                v = x[n, hi, wi, c]
                                if v > best[c]:
                                    best[c] = v
                                    arg_h[c] = hi
                                    arg_w[c] = wi
                    for c in range(C):
                        gx[n, arg_h[c], arg_w[c], c] += gy[n, ho, wo, c]
                else:
                    inv = 1.0 / count
                    for hi in range(h_lo, h_hi):
                        for wi in range(w_lo, w_hi):
                            for c in range(C):
                                gx[n, hi, wi, c] += gy[n, ho, wo, c] * inv


def _geometry2d(x_shape, pool, strides, padding):
    if len(x_shape) != 4:
        raise ValueError(f"pool2d needs x of shape (N, H, W, C), got {x_shape}")
    ph, pw = ints(pool, 2, "pool")
    sh, sw = ints(strides, 2, "strides")
    if min(ph, pw, sh, sw) < 1:
        raise ValueError("pool2d: pool sizes and strides must be >= 1")
    (pt, pb), (pl, pr) = pads(padding, 2)
    Ho = out_size(x_shape[1], ph, sh, 1, pt, pb)
    Wo = out_size(x_shape[2], pw, sw, 1, pl, pr)
    return (ph, pw), (sh, sw), (pt, pl), Ho, Wo


def pool2d(x, pool, strides, padding, mode) -> np.ndarray:
    """2-D pooling. x (N, H, W, C) -> y (N, Ho, Wo, C); mode 'max' or 'avg'.

    pool=(ph, pw), strides=(sh, sw), padding=((pt, pb), (pl, pr)); see the module docstring
    for padding and tie semantics.  Parallel over (n, ho), channels innermost.
    """
    x = f32(x)
    is_max = _mode(mode)
    (ph, pw), (sh, sw), (pt, pl), Ho, Wo = _geometry2d(x.shape, pool, strides, padding)
    y = np.empty((x.shape[0], Ho, Wo, x.shape[3]), dtype=np.float32)
    if y.size:
        launch(_pool2d, y.size * ph * pw, MIN_PARALLEL_WORK, x, y, ph, pw, sh, sw, pt, pl, is_max)
    return y


def pool2d_grad(x, gy, pool, strides, padding, mode) -> np.ndarray:
    """Gradient of `pool2d` w.r.t. x: gy (N, Ho, Wo, C) -> gx (N, H, W, C).

    max: each gy goes to the first maximum of its window (row-major), accumulating where
    windows overlap; avg: gy / (number of real cells) to every real cell of the window.
    Parallel over the batch.
    """
    x = f32(x)
    gy = f32(gy)
    is_max = _mode(mode)
    (ph, pw), (sh, sw), (pt, pl), Ho, Wo = _geometry2d(x.shape, pool, strides, padding)
    if gy.shape != (x.shape[0], Ho, Wo, x.shape[3]):
        raise ValueError(f"pool2d_grad: gy has shape {gy.shape}, expected {(x.shape[0], Ho, Wo, x.shape[3])}")
    gx = np.zeros_like(x)
    if gy.size and x.size:
        launch(_pool2d_grad, gy.size * ph * pw, MIN_PARALLEL_WORK, x, gy, gx, ph, pw, sh, sw, pt, pl, is_max)
    return gx


# ----------------------------------------------------------------------------- 3-D


@njit(parallel=True, cache=True)
def _pool3d(x, y, pd, ph, pw, sd, sh, sw, pf, pt, pl, is_max):
    N, D, H, W, C = x.shape
    Do, Ho, Wo = y.shape[1], y.shape[2], y.shape[3]
    for t in prange(N * Do * Ho):
        n = t // (Do * Ho)
        do = (t // Ho) % Do
        ho = t % Ho
        d0 = do * sd - pf
        d_lo = max(d0, 0)
        d_hi = min(d0 + pd, D)
        h0 = ho * sh - pt
        h_lo = max(h0, 0)
        h_hi = min(h0 + ph, H)
        for wo in range(Wo):
            w0 = wo * sw - pl
            w_lo = max(w0, 0)
            w_hi = min(w0 + pw, W)
            count = max(d_hi - d_lo, 0) * max(h_hi - h_lo, 0) * max(w_hi - w_lo, 0)
            if count == 0:
                for c in range(C):
                    y[n, do, ho, wo, c] = 0.0
                continue
            for c in range(C):
                y[n, do, ho, wo, c] = -np.inf if is_max else 0.0
            for di in range(d_lo, d_hi):
                for hi in range(h_lo, h_hi):
                    for wi in range(w_lo, w_hi):
                        for c in range(C):
                            v = x[n, di, hi, wi, c]
                            if is_max:
                                if v > y[n, do, ho, wo, c]:
                                    y[n, do, ho, wo, c] = v
                            else:
                                y[n, do, ho, wo, c] += v
            if not is_max:
                inv = 1.0 / count
                for c in range(C):
                    y[n, do, ho, wo, c] *= inv


@njit(parallel=True, cache=True)
def _pool3d_grad(x, gy, gx, pd, ph, pw, sd, sh, sw, pf, pt, pl, is_max):
    N, D, H, W, C = x.shape
    Do, Ho, Wo = gy.shape[1], gy.shape[2], gy.shape[3]
    for n in prange(N):
        gx[n] = 0.0
        best = np.empty(C, dtype=np.float32)
        arg = np.empty((C, 3), dtype=np.int64)
        for do in range(Do):
            d0 = do * sd - pf
            d_lo = max(d0, 0)
            d_hi = min(d0 + pd, D)
            for ho in range(Ho):
                h0 = ho * sh - pt
                h_lo = max(h0, 0)
                h_hi = min(h0 + ph, H)
                for wo in range(Wo):
                    w0 = wo * sw - pl
                    w_lo = max(w0, 0)
                    w_hi = min(w0 + pw, W)
                    count = max(d_hi - d_lo, 0) * max(h_hi - h_lo, 0) * max(w_hi - w_lo, 0)
                    if count == 0:
                        continue
                    if is_max:
                        for c in range(C):
                            best[c] = x[n, d_lo, h_lo, w_lo, c]
                            arg[c, 0] = d_lo
                            arg[c, 1] = h_lo
                            arg[c, 2] = w_lo
                        for di in range(d_lo, d_hi):
                            for hi in range(h_lo, h_hi):
                                for wi in range(w_lo, w_hi):
                                    for c in range(C):
                                        v = x[n, di, hi, wi, c]
                                        if v > best[c]:
                                            best[c] = v
                                            arg[c, 0] = di
                                            arg[c, 1] = hi
                                            arg[c, 2] = wi
                        for c in range(C):
                            gx[n, arg[c, 0], arg[c, 1], arg[c, 2], c] += gy[n, do, ho, wo, c]
                    else:
                        inv = 1.0 / count
                        for di in range(d_lo, d_hi):
                            for hi in range(h_lo, h_hi):
                                for wi in range(w_lo, w_hi):
                                    for c in range(C):
                                        gx[n, di, hi, wi, c] += gy[n, do, ho, wo, c] * inv


def _geometry3d(x_shape, pool, strides, padding):
    if len(x_shape) != 5:
        raise ValueError(f"pool3d needs x of shape (N, D, H, W, C), got {x_shape}")
    p = ints(pool, 3, "pool")
    s = ints(strides, 3, "strides")
    if min(p + s) < 1:
        raise ValueError("pool3d: pool sizes and strides must be >= 1")
    pp = pads(padding, 3)
    o = tuple(out_size(x_shape[1 + i], p[i], s[i], 1, pp[i][0], pp[i][1]) for i in range(3))
    return p, s, (pp[0][0], pp[1][0], pp[2][0]), o


def pool3d(x, pool, strides, padding, mode) -> np.ndarray:
    """3-D pooling. x (N, D, H, W, C) -> (N, Do, Ho, Wo, C); same semantics as `pool2d`.

    Parallel over (n, do, ho), channels innermost.
    """
    x = f32(x)
    is_max = _mode(mode)
    p, s, p0, o = _geometry3d(x.shape, pool, strides, padding)
    y = np.empty((x.shape[0],) + o + (x.shape[4],), dtype=np.float32)
    if y.size:
        launch(_pool3d, y.size * p[0] * p[1] * p[2], MIN_PARALLEL_WORK, x, y, *p, *s, *p0, is_max)
    return y


def pool3d_grad(x, gy, pool, strides, padding, mode) -> np.ndarray:
    """Gradient of `pool3d` w.r.t. x; same routing rules as `pool2d_grad`.  Parallel over batch."""
    x = f32(x)
    gy = f32(gy)
    is_max = _mode(mode)
    p, s, p0, o = _geometry3d(x.shape, pool, strides, padding)
    expected = (x.shape[0],) + o + (x.shape[4],)
    if gy.shape != expected:
        raise ValueError(f"pool3d_grad: gy has shape {gy.shape}, expected {expected}")
    gx = np.zeros_like(x)
    if gy.size and x.size:
        launch(_pool3d_grad, gy.size * p[0] * p[1] * p[2], MIN_PARALLEL_WORK, x, gy, gx, *p, *s, *p0, is_max)
    return gx
