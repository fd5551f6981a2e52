"""Convolutions (channels-last) and their gradients.

All kernels compute cross-correlation (no kernel flip), like Keras/TF:

    y[n, ho, wo, co] = sum_{kh, kw, ci} xpad[n, ho*sh + kh*dh, wo*sw + kw*dw, ci] * w[kh, kw, ci, co]

where xpad is x zero-padded by ((pt, pb), (pl, pr)); the padding is never materialised.
Output size per spatial axis: (H + pt + pb - dh*(KH-1) - 1) // sh + 1.

Dense conv (2-D and 3-D) is lowered to im2col + BLAS: a numba kernel copies the receptive
fields into a reused column buffer, then one numpy sgemm per batch chunk does the
arithmetic, written straight into the output.  The column buffer is bounded
(COL_BUDGET_BYTES) by processing the batch in chunks, which also keeps it in cache between
the copy and the sgemm.  Gradients reuse the same buffers: grad_weight = cols^T @ gy,
grad_input = col2im(gy @ w^T), where col2im is written as a gather (each input pixel pulls
from the columns that read it), so it is race-free.

im2col / col2im are deliberately serial (no prange): they run between sgemm calls, and
after every sgemm OpenBLAS's idle worker keeps spinning on the other core for a while, so a
second numba thread only contends with it.  Measured on 2 cores, serial beat prange both on
the benchmark (0.57 vs 0.61 ms) and on batch 32, 32x32x32 -> 64 (forward 6.7 vs 7.2 ms,
grad_input 8.2 vs 8.5, grad_weight 7.0 vs 7.4).  The sgemm itself uses all cores.

Measured on the reference benchmark (batch 8, 32x32x16 -> 32 filters, 3x3 'same', 2 cores):
the im2col path takes ~0.55-0.77 ms, only at par with a numpy im2col baseline
(sliding_window_view copy + one matmul; 0.94x-1.1x across runs).  Both spend ~2/3 of the time
in the same sgemm (~0.37 ms) and this im2col copy (~165 us for 4.7 MB) is no faster than
numpy's pad + strided copy (~157 us).  Tried and dropped: a direct loop kernel with Cout
innermost (2 ms); prange im2col (contention, above); flat-offset and slice-assignment im2col
variants (2.5-5x slower under numba).  What got past the sgemm bound is Winograd
F(2x2, 3x3) for 3x3 / stride 1 / dilation 1 (winograd.py; 2.25x fewer multiplications):
0.45-0.53 ms on the benchmark, ~1.5x faster than numpy (medians; see `conv2d`).  The
gradients stay on im2col / col2im.

Depthwise conv is memory-bound (no channel mixing), so it is a direct loop kernel.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import winograd
from ._common import f32, ints, launch, out_size, pads

# Upper bound for one im2col buffer; the batch is processed in chunks that fit (at least one
# image per chunk).  4 MiB keeps the columns cache-resident between the im2col copy and the
# sgemm (and between the sgemm and col2im): measured on batch 32, 32x32x32 -> 64, 3x3 against
# a 64 MiB budget, forward 7.9 vs 11.6 ms, grad_input 9.8 vs 24.9 ms.
COL_BUDGET_BYTES = 4 * 1024 * 1024
# Below this many multiply-adds the depthwise kernels run on one thread.
MIN_PARALLEL_MACS = 1 << 16


def _batch_chunk(n: int, bytes_per_item: int) -> int:
    """Images per im2col chunk: within COL_BUDGET_BYTES, and balanced (8 -> 4+4, not 7+1)."""
    if n <= 1:
        return 1
    most = max(1, min(n, COL_BUDGET_BYTES // max(1, bytes_per_item)))
    chunks = -(-n // most)
    return -(-n // chunks)


# ----------------------------------------------------------------------------- 2-D im2col


@njit(cache=True)
def _im2col2d(x, cols, KH, KW, sh, sw, dh, dw, pt, pl):
    """cols[n, ho, wo, kh, kw, :] = xpad[n, ho*sh + kh*dh, wo*sw + kw*dw, :] (zeros in padding).

    x (N, H, W, C), cols (N, Ho, Wo, KH, KW, C).  The innermost copy is a contiguous channel
    vector; no allocation.  Serial on purpose (see the module docstring).
    """
    N, H, W, C = x.shape
    Ho = cols.shape[1]
    Wo = cols.shape[2]
    for t in range(N * Ho):
        n = t // Ho
        ho = t % Ho
        for wo in range(Wo):
            for kh in range(KH):
                hi = ho * sh - pt + kh * dh
                for kw in range(KW):
                    wi = wo * sw - pl + kw * dw
                    if hi < 0 or hi >= H or wi < 0 or wi >= W:
                        for c in range(C):
                            cols[n, ho, wo, kh, kw, c] = 0.0
                    else:
                        for c in range(C):
                            cols[n, ho, wo, kh, kw, c] = x[n, hi, wi, c]


@njit(cache=True)
def _col2im2d(cols, gx, sh, sw, dh, dw, pt, pl):
    """gx[n, hi, wi, :] = sum of every cols[n, ho, wo, kh, kw, :] that im2col copied from
    (hi, wi) -- the adjoint of `_im2col2d`.

    Written as a gather over input pixels (not a scatter over columns): every gx element is
    written by exactly one iteration, so the loop over (n, hi) could be a race-free prange;
    it is serial on purpose (see the module docstring).  No allocation.
    """
    N, H, W, C = gx.shape
    Ho, Wo, KH, KW = cols.shape[1], cols.shape[2], cols.shape[3], cols.shape[4]
    for t in range(N * H):
        n = t // H
        hi = t % H
        for wi in range(W):
            for c in range(C):
                gx[n, hi, wi, c] = 0.0
            for kh in range(KH):
                th = hi + pt - kh * dh  # = ho * sh
                if th < 0 or th % sh != 0:
                    continue
                ho = th // sh
                if ho >= Ho:
                    continue
                for kw in range(KW):
                    tw = wi + pl - kw * dw
                    if tw < 0 or tw % sw != 0:
                        continue
                    wo = tw // sw
                    if wo >= Wo:
                        continue
                    for c in range(C):
                        gx[n, hi, wi, c] += cols[n, ho, wo, kh, kw, c]


def _conv2d_geometry(x_shape, w_shape, strides, dilation, padding):
    N, H, W, Cin = x_shape
    KH, KW, wc, Cout = w_shape
    if wc != Cin:
        raise ValueError(f"conv2d: input has {Cin} channels but kernel expects {wc}")
    sh, sw = ints(strides, 2, "strides")
    dh, dw = ints(dilation, 2, "dilation")
    if min(sh, sw, dh, dw) < 1:
        raise ValueError("conv2d: strides and dilation must be >= 1")
    (pt, pb), (pl, pr) = pads(padding, 2)
    Ho = out_size(H, KH, sh, dh, pt, pb)
    Wo = out_size(W, KW, sw, dw, pl, pr)
    return (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo


def _is_pointwise(KH, KW, s, p):
    """1x1 kernel, stride 1, no padding: the conv is a plain matmul over pixels."""
    return KH == 1 and KW == 1 and s == (1, 1) and p == (0, 0, 0, 0)


# Winograd F(2x2, 3x3) (winograd.py) replaces im2col for 3x3 / stride 1 / dilation 1 convs
# with at least WINOGRAD_MIN_TILES 2x2 output tiles (N * ceil(Ho/2) * ceil(Wo/2)) and
# WINOGRAD_MIN_CIN input channels.  Measured on 2 cores, 'same' padding (im2col vs
# Winograd, ms; one sweep of 33 shapes, each the median of 3 best-of-N, so +-20% noise):
# every problem with >= 1024 tiles and Cin >= 2 won, 1.05x-2.4x (16x32x32x64->64: 7.6 vs
# 5.2; 32x32x32x32->64: 8.5 vs 6.4; 8x32x32x128->128: 12.9 vs 8.7; 8x32x32x2->16: 0.33 vs
# 0.27; 8x32x32x3->32: 0.52 vs 0.50; the benchmark 8x32x32x16->32: see `conv2d`); with
# 512-1023 tiles it was at par (8x16x16x64->64: 0.94 vs 0.90; 8x14x14x32->64: 0.47 vs 0.48)
# and below that it lost (8x8x8x128->128: 0.84 vs 1.67; 1x32x32x16->32: 0.12 vs 0.14): the
# 16 GEMMs get too short for BLAS and the fixed costs dominate.  Cin = 1 lost badly at any
# size (32x28x28x1->32: 1.2 vs 6.8; each GEMM is an outer product).
WINOGRAD_MIN_TILES = 1024
WINOGRAD_MIN_CIN = 2


def _use_winograd(x_shape, w_shape, strides, dilation, padding) -> bool:
    """True when the public `conv2d` takes the Winograd path for these shapes."""
    N, H, W, Cin = x_shape
    KH, KW = w_shape[:2]
    if not winograd.applies((KH, KW), strides, dilation) or Cin < WINOGRAD_MIN_CIN:
        return False
    (pt, pb), (pl, pr) = padding
    Ho = H + pt + pb - 2
    Wo = W + pl + pr - 2
    return N * ((Ho + 1) // 2) * ((Wo + 1) // 2) >= WINOGRAD_MIN_TILES


def conv2d(x, w, strides, dilation, padding) -> np.ndarray:
    """2-D cross-correlation. x (N, H, W, Cin), w (KH, KW, Cin, Cout) -> y (N, Ho, Wo, Cout).

    strides=(sh, sw), dilation=(dh, dw), padding=((pt, pb), (pl, pr)) zero padding.

    3x3 kernels with stride 1 and dilation 1 (big enough, see `_use_winograd`) run Winograd
    F(2x2, 3x3) (winograd.py: 2.25x fewer multiplications, max error ~1e-6 against float64
    on N(0, 1) inputs, like im2col).  Measured on the benchmark (batch 8, 32x32x16 -> 32,
    'same', 2 cores, idle machine; benchmarks/engine.py, medians of 5 runs of best-of-32,
    five sessions): Winograd 0.45-0.53 ms vs numpy im2col 0.65-0.81 ms, 1.48x-1.56x faster
    (the im2col path, still measured by the benchmark: 0.95x-1.04x of numpy).
    Everything else (and inputs holding inf / NaN, which Winograd would smear over whole
    tiles) goes through im2col (numba) into a bounded, reused buffer + one BLAS sgemm per
    batch chunk written straight into y; 1x1/stride-1/unpadded convs skip im2col.
    """
    x = f32(x)
    w = f32(w)
    s, d, p = ints(strides, 2, "strides"), ints(dilation, 2, "dilation"), pads(padding, 2)
    _conv2d_geometry(x.shape, w.shape, s, d, p)  # argument checks
    if _use_winograd(x.shape, w.shape, s, d, p):
        y = winograd.conv2d_winograd(x, w, p)
        if y is not None:
            return y
    return _conv2d_im2col(x, w, s, d, p)


def _conv2d_im2col(x, w, strides, dilation, padding) -> np.ndarray:
    """`conv2d` by im2col + sgemm; x and w already C-contiguous float32."""
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _conv2d_geometry(x.shape, w.shape, strides, dilation, padding)
    N, H, W, Cin = x.shape
    KH, KW, _, Cout = w.shape
    y = np.empty((N, Ho, Wo, Cout), dtype=np.float32)
    if y.size == 0:
        return y
    K = KH * KW * Cin
    wmat = w.reshape(K, Cout)
    if _is_pointwise(KH, KW, (sh, sw), (pt, pb, pl, pr)):
        np.dot(x.reshape(-1, Cin), wmat, out=y.reshape(-1, Cout))
        return y
    step = _batch_chunk(N, Ho * Wo * K * 4)
    cols = np.empty((step, Ho, Wo, KH, KW, Cin), dtype=np.float32)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        c = cols[: n1 - n0]
        _im2col2d(x[n0:n1], c, KH, KW, sh, sw, dh, dw, pt, pl)
        np.dot(c.reshape(-1, K), wmat, out=y[n0:n1].reshape(-1, Cout))
    return y


def conv2d_grad_input(gy, w, x_shape, strides, dilation, padding) -> np.ndarray:
    """d(loss)/dx of `conv2d`: gy (N, Ho, Wo, Cout), w (KH, KW, Cin, Cout) -> gx x_shape.

    x_shape is the unpadded input shape (N, H, W, Cin).  Per batch chunk: one sgemm
    dcols = gy @ w^T, then the col2im gather.  Rows/cols of x that
    no window reads (stride remainder) get zero gradient.
    """
    gy = f32(gy)
    w = f32(w)
    x_shape = tuple(int(s) for s in x_shape)
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _conv2d_geometry(x_shape, w.shape, strides, dilation, padding)
    N, H, W, Cin = x_shape
    KH, KW, _, Cout = w.shape
    if gy.shape != (N, Ho, Wo, Cout):
        raise ValueError(f"conv2d_grad_input: gy has shape {gy.shape}, expected {(N, Ho, Wo, Cout)}")
    gx = np.zeros(x_shape, dtype=np.float32)
    if gy.size == 0 or gx.size == 0:
        return gx
    K = KH * KW * Cin
    wmat_t = w.reshape(K, Cout).T
    if _is_pointwise(KH, KW, (sh, sw), (pt, pb, pl, pr)):
        np.dot(gy.reshape(-1, Cout), wmat_t, out=gx.reshape(-1, Cin))
        return gx
    step = _batch_chunk(N, Ho * Wo * K * 4)
    cols = np.empty((step, Ho, Wo, KH, KW, Cin), dtype=np.float32)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        c = cols[: n1 - n0]
        np.dot(gy[n0:n1].reshape(-1, Cout), wmat_t, out=c.reshape(-1, K))
        _col2im2d(c, gx[n0:n1], sh, sw, dh, dw, pt, pl)
    return gx


def conv2d_grad_weight(x, gy, w_shape, strides, dilation, padding) -> np.ndarray:
    """d(loss)/dw of `conv2d`: x (N, H, W, Cin), gy (N, Ho, Wo, Cout) -> gw w_shape.

    gw = sum over batch chunks of cols^T @ gy (im2col as in the forward, sgemm, float32
    accumulation inside BLAS).
    """
    x = f32(x)
    gy = f32(gy)
    w_shape = tuple(int(s) for s in w_shape)
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _conv2d_geometry(x.shape, w_shape, strides, dilation, padding)
    N, H, W, Cin = x.shape
    KH, KW, _, Cout = w_shape
    if gy.shape != (N, Ho, Wo, Cout):
        raise ValueError(f"conv2d_grad_weight: gy has shape {gy.shape}, expected {(N, Ho, Wo, Cout)}")
    K = KH * KW * Cin
    gw = np.zeros((K, Cout), dtype=np.float32)
    if gy.size == 0 or K == 0:
        return gw.reshape(w_shape)
    if _is_pointwise(KH, KW, (sh, sw), (pt, pb, pl, pr)):
        np.dot(x.reshape(-1, Cin).T, gy.reshape(-1, Cout), out=gw)
        return gw.reshape(w_shape)
    step = _batch_chunk(N, Ho * Wo * K * 4)
    cols = np.empty((step, Ho, Wo, KH, KW, Cin), dtype=np.float32)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        c = cols[: n1 - n0]
        _im2col2d(x[n0:n1], c, KH, KW, sh, sw, dh, dw, pt, pl)
        gw += c.reshape(-1, K).T @ gy[n0:n1].reshape(-1, Cout)
    return gw.reshape(w_shape)


# ----------------------------------------------------------------------------- depthwise 2-D


@njit(parallel=True, cache=True)
def _depthwise_fwd(x, w, y, sh, sw, dh, dw, pt, pl):
    """y[n, ho, wo, c*DM + m] = sum_{kh, kw} xpad[n, ho*sh + kh*dh, wo*sw + kw*dw, c] * w[kh, kw, c, m].

    Parallel over (n, ho); innermost loops run over contiguous channels (c, then m).
    No allocation; padding handled by skipping out-of-range taps.
    """
    N, H, W, C = x.shape
    KH, KW, _, DM = w.shape
    Ho, Wo = y.shape[1], y.shape[2]
    for t in prange(N * Ho):
        n = t // Ho
        ho = t % Ho
        for wo in range(Wo):
            for o in range(C * DM):
                y[n, ho, wo, o] = 0.0
            for kh in range(KH):
                hi = ho * sh - pt + kh * dh
                if hi < 0 or hi >= H:
                    continue
                for kw in range(KW):
                    wi = wo * sw - pl + kw * dw
                    if wi < 0 or wi >= W:
                        continue
                    for c in range(C):
                        xv = x[n, hi, wi, c]
                        for m in range(DM):
                            y[n, ho, wo, c * DM + m] += xv * w[kh, kw, c, m]


@njit(parallel=True, cache=True)
def _depthwise_grad_input(gy, w, gx, sh, sw, dh, dw, pt, pl):
    """gx[n, hi, wi, c] = sum over (ho, wo, kh, kw) reading (hi, wi) of sum_m gy[.., c*DM+m] * w[kh, kw, c, m].

    Gather form (each input pixel pulls from the outputs that read it): parallel over
    (n, hi), race-free, no allocation.
    """
    N, H, W, C = gx.shape
    KH, KW, _, DM = w.shape
    Ho, Wo = gy.shape[1], gy.shape[2]
    for t in prange(N * H):
        n = t // H
        hi = t % H
        for wi in range(W):
            for c in range(C):
                gx[n, hi, wi, c] = 0.0
            for kh in range(KH):
                th = hi + pt - kh * dh
                if th < 0 or th % sh != 0:
                    continue
                ho = th // sh
                if ho >= Ho:
                    continue
                for kw in range(KW):
                    tw = wi + pl - kw * dw
                    if tw < 0 or tw % sw != 0:
                        continue
                    wo = tw // sw
                    if wo >= Wo:
                        continue
                    for c in range(C):
                        s = 0.0
                        for m in range(DM):
                            s += gy[n, ho, wo, c * DM + m] * w[kh, kw, c, m]
                        gx[n, hi, wi, c] += s


@njit(parallel=True, cache=True)
def _depthwise_grad_weight(x, gy, partial, sh, sw, dh, dw, pt, pl):
    """partial[n, kh, kw, c, m] = sum_{ho, wo} xpad[n, ..., c] * gy[n, ho, wo, c*DM + m].

    One partial weight gradient per batch item so the batch loop can run in parallel without
    races; the caller sums over n.  No allocation inside.
    """
    N, H, W, C = x.shape
    _, KH, KW, _, DM = partial.shape
    Ho, Wo = gy.shape[1], gy.shape[2]
    for n in prange(N):
        partial[n] = 0.0
        for ho in range(Ho):
            for kh in range(KH):
                hi = ho * sh - pt + kh * dh
                if hi < 0 or hi >= H:
                    continue
                for wo in range(Wo):
                    for kw in range(KW):
                        wi = wo * sw - pl + kw * dw
                        if wi < 0 or wi >= W:
                            continue
                        for c in range(C):
                            xv = x[n, hi, wi, c]
                            for m in range(DM):
                                partial[n, kh, kw, c, m] += xv * gy[n, ho, wo, c * DM + m]


def _depthwise_geometry(x_shape, w_shape, strides, dilation, padding):
    N, H, W, C = x_shape
    KH, KW, wc, DM = w_shape
    if wc != C:
        raise ValueError(f"depthwise_conv2d: input has {C} channels but kernel expects {wc}")
    return _conv2d_geometry(x_shape, (KH, KW, C, DM), strides, dilation, padding)


def depthwise_conv2d(x, w, strides, dilation, padding) -> np.ndarray:
    """Depthwise 2-D cross-correlation. x (N, H, W, C), w (KH, KW, C, DM) -> y (N, Ho, Wo, C*DM).

    Output channel c*DM + m is input channel c filtered by w[:, :, c, m] (Keras
    DepthwiseConv2D layout).  Direct loop kernel, parallel over (n, ho).
    """
    x = f32(x)
    w = f32(w)
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _depthwise_geometry(x.shape, w.shape, strides, dilation, padding)
    N, H, W, C = x.shape
    DM = w.shape[3]
    y = np.empty((N, Ho, Wo, C * DM), dtype=np.float32)
    if y.size:
        launch(_depthwise_fwd, y.size * w.shape[0] * w.shape[1], MIN_PARALLEL_MACS, x, w, y, sh, sw, dh, dw, pt, pl)
    return y


def depthwise_conv2d_grad_input(gy, w, x_shape, strides, dilation, padding) -> np.ndarray:
    """d(loss)/dx of `depthwise_conv2d`: gy (N, Ho, Wo, C*DM) -> gx x_shape (N, H, W, C)."""
    gy = f32(gy)
    w = f32(w)
    x_shape = tuple(int(s) for s in x_shape)
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _depthwise_geometry(x_shape, w.shape, strides, dilation, padding)
    N, H, W, C = x_shape
    DM = w.shape[3]
    if gy.shape != (N, Ho, Wo, C * DM):
        raise ValueError(f"depthwise_conv2d_grad_input: gy has shape {gy.shape}, expected {(N, Ho, Wo, C * DM)}")
    gx = np.zeros(x_shape, dtype=np.float32)
    if gx.size and gy.size:
        launch(_depthwise_grad_input, gy.size * w.shape[0] * w.shape[1], MIN_PARALLEL_MACS, gy, w, gx, sh, sw, dh, dw, pt, pl)
    return gx


def depthwise_conv2d_grad_weight(x, gy, w_shape, strides, dilation, padding) -> np.ndarray:
    """d(loss)/dw of `depthwise_conv2d`: x (N, H, W, C), gy (N, Ho, Wo, C*DM) -> gw w_shape."""
    x = f32(x)
    gy = f32(gy)
    w_shape = tuple(int(s) for s in w_shape)
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _depthwise_geometry(x.shape, w_shape, strides, dilation, padding)
    N, H, W, C = x.shape
    KH, KW, _, DM = w_shape
    if gy.shape != (N, Ho, Wo, C * DM):
        raise ValueError(f"depthwise_conv2d_grad_weight: gy has shape {gy.shape}, expected {(N, Ho, Wo, C * DM)}")
    if gy.size == 0 or N == 0:
        return np.zeros(w_shape, dtype=np.float32)
    partial = np.empty((N,) + w_shape, dtype=np.float32)
    launch(_depthwise_grad_weight, gy.size * KH * KW, MIN_PARALLEL_MACS, x, gy, partial, sh, sw, dh, dw, pt, pl)
    return partial.sum(axis=0, dtype=np.float32)


# ----------------------------------------------------------------------------- 3-D


@njit(cache=True)
def _im2col3d(x, cols, KD, KH, KW, sd, sh, sw, dd, dh, dw, pf, pt, pl):
    """cols[n, do, ho, wo, kd, kh, kw, :] = xpad[n, do*sd + kd*dd, ho*sh + kh*dh, wo*sw + kw*dw, :].

    x (N, D, H, W, C).  Contiguous channel copy innermost; serial like `_im2col2d`.
    """
    N, D, H, W, C = x.shape
    Do, Ho, Wo = cols.shape[1], cols.shape[2], cols.shape[3]
    for t in range(N * Do * Ho):
        n = t // (Do * Ho)
        do = (t // Ho) % Do
        ho = t % Ho
        for wo in range(Wo):
            for kd in range(KD):
                di = do * sd - pf + kd * dd
                for kh in range(KH):
                    hi = ho * sh - pt + kh * dh
                    for kw in range(KW):
                        wi = wo * sw - pl + kw * dw
                        if di < 0 or di >= D or hi < 0 or hi >= H or wi < 0 or wi >= W:
                            for c in range(C):
                                cols[n, do, ho, wo, kd, kh, kw, c] = 0.0
                        else:
                            for c in range(C):
                                cols[n, do, ho, wo, kd, kh, kw, c] = x[n, di, hi, wi, c]


@njit(cache=True)
def _col2im3d(cols, gx, sd, sh, sw, dd, dh, dw, pf, pt, pl):
    """Adjoint of `_im2col3d` as a gather (race-free per input pixel); serial like `_col2im2d`."""
    N, D, H, W, C = gx.shape
    Do, Ho, Wo = cols.shape[1], cols.shape[2], cols.shape[3]
    KD, KH, KW = cols.shape[4], cols.shape[5], cols.shape[6]
    for t in range(N * D * H):
        n = t // (D * H)
        di = (t // H) % D
        hi = t % H
        for wi in range(W):
            for c in range(C):
                gx[n, di, hi, wi, c] = 0.0
            for kd in range(KD):
                td = di + pf - kd * dd
                if td < 0 or td % sd != 0:
                    continue
                do = td // sd
                if do >= Do:
                    continue
                for kh in range(KH):
                    th = hi + pt - kh * dh
                    if th < 0 or th % sh != 0:
                        continue
                    ho = th // sh
                    if ho >= Ho:
                        continue
                    for kw in range(KW):
                        tw = wi + pl - kw * dw
                        if tw < 0 or tw % sw != 0:
                            continue
                        wo = tw // sw
                        if wo >= Wo:
                            continue
                        for c in range(C):
                            gx[n, di, hi, wi, c] += cols[n, do, ho, wo, kd, kh, kw, c]


def _conv3d_geometry(x_shape, w_shape, strides, dilation, padding):
    N, D, H, W, Cin = x_shape
    KD, KH, KW, wc, Cout = w_shape
    if wc != Cin:
        raise ValueError(f"conv3d: input has {Cin} channels but kernel expects {wc}")
    s = ints(strides, 3, "strides")
    d = ints(dilation, 3, "dilation")
    if min(s + d) < 1:
        raise ValueError("conv3d: strides and dilation must be >= 1")
    p = pads(padding, 3)
    o = tuple(out_size(size, k, st, dl, pb, pa) for size, k, st, dl, (pb, pa) in zip((D, H, W), (KD, KH, KW), s, d, p))
    return s, d, (p[0][0], p[1][0], p[2][0]), o


def conv3d(x, w, strides, dilation, padding) -> np.ndarray:
    """3-D cross-correlation. x (N, D, H, W, Cin), w (KD, KH, KW, Cin, Cout) -> (N, Do, Ho, Wo, Cout).

    strides/dilation are 3-tuples, padding three (before, after) pairs.  Same lowering as
    `conv2d`: im2col into a bounded buffer + sgemm per chunk.
    """
    x = f32(x)
    w = f32(w)
    s, d, p0, (Do, Ho, Wo) = _conv3d_geometry(x.shape, w.shape, strides, dilation, padding)
    N, Cin = x.shape[0], x.shape[4]
    KD, KH, KW, _, Cout = w.shape
    y = np.empty((N, Do, Ho, Wo, Cout), dtype=np.float32)
    if y.size == 0:
        return y
    K = KD * KH * KW * Cin
    wmat = w.reshape(K, Cout)
    step = _batch_chunk(N, Do * Ho * Wo * K * 4)
    cols = np.empty((step, Do, Ho, Wo, KD, KH, KW, Cin), dtype=np.float32)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        c = cols[: n1 - n0]
        _im2col3d(x[n0:n1], c, KD, KH, KW, *s, *d, *p0)
        np.dot(c.reshape(-1, K), wmat, out=y[n0:n1].reshape(-1, Cout))
    return y


def conv3d_grad_input(gy, w, x_shape, strides, dilation, padding) -> np.ndarray:
    """d(loss)/dx of `conv3d`: gy (N, Do, Ho, Wo, Cout) -> gx x_shape (N, D, H, W, Cin)."""
    gy = f32(gy)
    w = f32(w)
    x_shape = tuple(int(v) for v in x_shape)
    s, d, p0, (Do, Ho, Wo) = _conv3d_geometry(x_shape, w.shape, strides, dilation, padding)
    N, Cin = x_shape[0], x_shape[4]
    KD, KH, KW, _, Cout = w.shape
    if gy.shape != (N, Do, Ho, Wo, Cout):
        raise ValueError(f"conv3d_grad_input: gy has shape {gy.shape}, expected {(N, Do, Ho, Wo, Cout)}")
    gx = np.zeros(x_shape, dtype=np.float32)
    if gy.size == 0 or gx.size == 0:
        return gx
    K = KD * KH * KW * Cin
    wmat_t = w.reshape(K, Cout).T
    step = _batch_chunk(N, Do * Ho * Wo * K * 4)
    cols = np.empty((step, Do, Ho, Wo, KD, KH, KW, Cin), dtype=np.float32)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        c = cols[: n1 - n0]
        np.dot(gy[n0:n1].reshape(-1, Cout), wmat_t, out=c.reshape(-1, K))
        _col2im3d(c, gx[n0:n1], *s, *d, *p0)
    return gx


def conv3d_grad_weight(x, gy, w_shape, strides, dilation, padding) -> np.ndarray:
    """d(loss)/dw of `conv3d`: x (N, D, H, W, Cin), gy (N, Do, Ho, Wo, Cout) -> gw w_shape."""
    x = f32(x)
    gy = f32(gy)
    w_shape = tuple(int(v) for v in w_shape)
    s, d, p0, (Do, Ho, Wo) = _conv3d_geometry(x.shape, w_shape, strides, dilation, padding)
    N, Cin = x.shape[0], x.shape[4]
    KD, KH, KW, _, Cout = w_shape
    if gy.shape != (N, Do, Ho, Wo, Cout):
        raise ValueError(f"conv3d_grad_weight: gy has shape {gy.shape}, expected {(N, Do, Ho, Wo, Cout)}")
    K = KD * KH * KW * Cin
    gw = np.zeros((K, Cout), dtype=np.float32)
    if gy.size == 0 or K == 0:
        return gw.reshape(w_shape)
    step = _batch_chunk(N, Do * Ho * Wo * K * 4)
    cols = np.empty((step, Do, Ho, Wo, KD, KH, KW, Cin), dtype=np.float32)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        c = cols[: n1 - n0]
        _im2col3d(x[n0:n1], c, KD, KH, KW, *s, *d, *p0)
        gw += c.reshape(-1, K).T @ gy[n0:n1].reshape(-1, Cout)
    return gw.reshape(w_shape)
