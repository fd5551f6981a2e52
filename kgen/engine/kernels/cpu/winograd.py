"""Winograd F(2x2, 3x3) forward convolution (channels-last, stride 1, dilation 1, float32).

Same contract as `conv.conv2d` for 3x3 kernels with strides (1, 1) and dilation (1, 1):
cross-correlation, explicit zero padding ((pt, pb), (pl, pr)), x (N, H, W, Cin),
w (3, 3, Cin, Cout) -> y (N, Ho, Wo, Cout).  The output is cut into 2x2 tiles, each read from
a 4x4 input tile (stride 2); per tile and channel pair

    Y = A^T [ (G g G^T) (.) (B^T d B) ] A

with the usual (Lavin & Gray) matrices

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

so the channel mixing is 16 independent GEMMs M[k] = V[k] @ U[k] of shape
(tiles, Cin) @ (Cin, Cout): 16 * 4 = 64 multiply-adds per tile and channel pair instead of
4 * 9 = 144 (2.25x fewer).  Steps, per batch chunk:

1. `_weights`: U[k] = (G g G^T)[k], (16, Cin, Cout), computed in float64 and rounded once.
2. `_pad_split`: the zero-padded input with its columns split by parity,
   xd[n, h, p, j*Cin + c] = xpad[n, h, 2j + p, c].  With that layout the 4x4 tile at
   (2*th, 2*tw) reads xd[n, 2*th + r, s % 2, (tw + s // 2)*Cin + c]: for a fixed tile row
   every term is a contiguous, affine run over the flat (tw, c) index, so the input
   transform is 4 long vectorised loops per tile row instead of short (Cin long) loops per
   tile (those measured 2-3x slower for Cin = 16).  Also records whether x holds a
   non-finite value (see below).
3. `_input_transform`: V[k, (tile row, tw, c)] = (B^T d B)[k], (16, P*Cin), P = tiles.
4. one `np.matmul` of (16, P, Cin) @ (16, Cin, Cout): numpy hands each of the 16 matrices
   to BLAS sgemm (OpenBLAS, all cores).
5. `_output_transform`: per tile row, the A^T row pass as 4 long loops over the flat
   (tw, co) index into a small scratch S, then the column pass written straight into y
   (NHWC), skipping the last row / column of a tile that falls outside an odd Ho / Wo.

Why the numba kernels are `parallel=True` but run on one thread: numba compiles the body of
a `prange` loop as a separate function whose array arguments are marked `noalias` (when the
body creates no array views); only then does LLVM vectorise loops that read one array and
write another into several streams: without it every pair of streams needs a runtime
overlap check, and past a handful LLVM gives up and emits scalar code (the first
prototype's input transform: 1.1 ms instead of ~0.05 ms).  Keep array views (slicing) out of
these loop bodies, and don't copy booleans around in them: numba's alias analysis counts
both as possible aliases and then drops `noalias`.  A second numba thread did not pay:
measured alone and inside the pipeline, 2 threads were as slow or slower for every kernel,
on the benchmark (wake-up ~40 us per parallel region, OpenBLAS's idle worker spinning on the
other core after the sgemm) and on batch 32, 32x32x32 -> 64 (memory-bound), so
`conv2d_winograd` runs them on the calling thread.

Numerics: F(2x2, 3x3) in float32 is a little less exact than the direct sum (the
transforms add/subtract up to 4 inputs, and U has halves); on N(0, 1) inputs and
glorot-scale weights the max error against a float64 reference is ~1e-6 (8e-7 on the
benchmark problem, 1.3e-6 worst over random shapes with Cin, Cout <= 40), the same order as
the im2col path (F(4x4, 3x3) was checked too: 1.8e-5 to 4.7e-5, over the 1e-5 tolerance).
Non-finite values: the transforms mix every value of a 4x4 tile, so an inf input would
become NaN in outputs whose windows do not even contain it (inf - inf).
`conv2d_winograd` therefore returns None when x or w (or U) holds a non-finite value, and
the caller uses the direct (im2col) path, which gives the IEEE result.

Measured on the benchmark (batch 8, 32x32x16 -> 32, 'same', 2 cores, medians over runs on
an idle machine, one thread for the numba kernels): pad_split 31-40 us, input transform
37-60 us, the 16 sgemms 200-280 us (K = Cin = 16 is short for BLAS), output transform 80-115
us (reads M, 4 MB, from L3), ~0.40-0.53 ms in all; see `conv.conv2d` for the comparison
with im2col and numpy.  First use compiles the four kernels (~7 s cold, then cached on
disk like every kernel here).
"""

from __future__ import annotations

import threading

import numba
import numpy as np
from numba import njit, prange

# Upper bound for V + M (the transformed input and the GEMM result) of one batch chunk.
WINO_BUDGET_BYTES = 8 * 1024 * 1024

_workspace = threading.local()


def _scratch(name: str, n: int, keep: bool = True) -> np.ndarray:
    """A float32 buffer of n elements, reused across calls (per thread, grown on demand).

    Fresh multi-MB numpy buffers per call were measured to cost more than the whole
    convolution (3.2 ms instead of 0.45 ms on the benchmark: every call page-faulted them in
    again, presumably because the allocator handed the freed memory back to the OS).  Kept
    buffers stay allocated: at most ~WINO_BUDGET_BYTES plus the split input of one chunk.
    keep=False (one image alone is over the budget) allocates without caching.
    """
    buf = getattr(_workspace, name, None)
    if buf is None or buf.size < n:
        buf = np.empty(max(n, 1), dtype=np.float32)
        if not keep:
            return buf[:n]
        setattr(_workspace, name, buf)
    return buf[:n]


@njit(cache=True)
def _weights(w, U):
    """U[4i + j, ci, co] = (G g G^T)[i, j] with g = w[:, :, ci, co]; float64 arithmetic."""
    Cin = w.shape[2]
    Cout = w.shape[3]
    for ci in range(Cin):
        for co in range(Cout):
            g00 = np.float64(w[0, 0, ci, co])
            g01 = np.float64(w[0, 1, ci, co])
            g02 = np.float64(w[0, 2, ci, co])
            g10 = np.float64(w[1, 0, ci, co])
            g11 = np.float64(w[1, 1, ci, co])
            g12 = np.float64(w[1, 2, ci, co])
            g20 = np.float64(w[2, 0, ci, co])
            g21 = np.float64(w[2, 1, ci, co])
            g22 = np.float64(w[2, 2, ci, co])
            # rows of G g (4 x 3)
            t00, t01, t02 = g00, g01, g02
            t10 = 0.5 * (g00 + g10 + g20)
            t11 = 0.5 * (g01 + g11 + g21)
            t12 = 0.5 * (g02 + g12 + g22)
            t20 = 0.5 * (g00 - g10 + g20)
            t21 = 0.5 * (g01 - g11 + g21)
            t22 = 0.5 * (g02 - g12 + g22)
            t30, t31, t32 = g20, g21, g22
            # (G g) G^T, row by row
            U[0, ci, co] = t00
            U[1, ci, co] = 0.5 * (t00 + t01 + t02)
            U[2, ci, co] = 0.5 * (t00 - t01 + t02)
            U[3, ci, co] = t02
            U[4, ci, co] = t10
            U[5, ci, co] = 0.5 * (t10 + t11 + t12)
            U[6, ci, co] = 0.5 * (t10 - t11 + t12)
            U[7, ci, co] = t12
            U[8, ci, co] = t20
            U[9, ci, co] = 0.5 * (t20 + t21 + t22)
            U[10, ci, co] = 0.5 * (t20 - t21 + t22)
            U[11, ci, co] = t22
            U[12, ci, co] = t30
            U[13, ci, co] = 0.5 * (t30 + t31 + t32)
            U[14, ci, co] = 0.5 * (t30 - t31 + t32)
            U[15, ci, co] = t32


@njit(cache=True, parallel=True)
def _pad_split(x, xd, chk, pt, pl):
    """xd[n, h, p, j*C + c] = x[n, h - pt, 2j + p - pl, c], zero outside x.

    x (N, H, W, C), xd (N, Hp, 2, Wp2*C), chk (N*Hp, C): chk[row, c] += x * 0 over the
    copied values, which stays 0 unless x holds an inf or NaN (x * 0 is then NaN).  Written as
    an element-wise update, not a reduction, so the copy loop still vectorises.
    """
    N, H, W, C = x.shape
    Hp = xd.shape[1]
    Wp2 = xd.shape[3] // C
    z = np.float32(0.0)
    for t in prange(N * Hp):
        n = t // Hp
        h = t % Hp
        hi = h - pt
        for c in range(C):
            chk[t, c] = z
        if hi < 0 or hi >= H:
            for p in range(2):
                for i in range(Wp2 * C):
                    xd[n, h, p, i] = z
            continue
        for j in range(Wp2):
            w0 = 2 * j - pl
            o = j * C
            if w0 >= 0 and w0 + 1 < W:  # both pixels of the pair inside x: one loop
                for c in range(C):
                    v0 = x[n, hi, w0, c]
                    v1 = x[n, hi, w0 + 1, c]
                    xd[n, h, 0, o + c] = v0
                    xd[n, h, 1, o + c] = v1
                    chk[t, c] += v0 * z + v1 * z
            else:
                for p in range(2):
                    wi = w0 + p
                    if wi < 0 or wi >= W:
                        for c in range(C):
                            xd[n, h, p, o + c] = z
                    else:
                        for c in range(C):
                            v = x[n, hi, wi, c]
                            xd[n, h, p, o + c] = v
                            chk[t, c] += v * z


@njit(cache=True, parallel=True)
def _input_transform(xd, V, C, TH, TW):
    """V[4i + j, ((n*TH + th)*TW + tw)*C + c] = (B^T d B)[i, j] for the 4x4 input tile
    d[r, s] = xd[n, 2*th + r, s % 2, (tw + s // 2)*C + c] (channel c).

    One tile row per iteration, one loop per row i of B^T: the loop over the flat (tw, c)
    index u forms q[s] = (B^T d)[i, s] from two input rows (8 contiguous loads), then the 4
    outputs (q B)[j].  Unsigned indices (no negative-index wraparound) keep the addresses
    affine for the vectoriser.
    """
    N = xd.shape[0]
    L = TW * C
    c1 = np.uint64(C)
    for t in prange(N * TH):
        n = t // TH
        h = 2 * (t % TH)
        b = np.uint64(t * L)
        # B^T rows: (d0 - d2), (d1 + d2), (d2 - d1), (d1 - d3)
        for i in range(L):
            u = np.uint64(i)
            q0 = xd[n, h, 0, u] - xd[n, h + 2, 0, u]
            q1 = xd[n, h, 1, u] - xd[n, h + 2, 1, u]
            q2 = xd[n, h, 0, c1 + u] - xd[n, h + 2, 0, c1 + u]
            q3 = xd[n, h, 1, c1 + u] - xd[n, h + 2, 1, c1 + u]
            V[0, b + u] = q0 - q2
            V[1, b + u] = q1 + q2
            V[2, b + u] = q2 - q1
            V[3, b + u] = q1 - q3
        for i in range(L):
            u = np.uint64(i)
            q0 = xd[n, h + 1, 0, u] + xd[n, h + 2, 0, u]
            q1 = xd[n, h + 1, 1, u] + xd[n, h + 2, 1, u]
            q2 = xd[n, h + 1, 0, c1 + u] + xd[n, h + 2, 0, c1 + u]
            q3 = xd[n, h + 1, 1, c1 + u] + xd[n, h + 2, 1, c1 + u]
            V[4, b + u] = q0 - q2
            V[5, b + u] = q1 + q2
            V[6, b + u] = q2 - q1
            V[7, b + u] = q1 - q3
        for i in range(L):
            u = np.uint64(i)
            q0 = xd[n, h + 2, 0, u] - xd[n, h + 1, 0, u]
            q1 = xd[n, h + 2, 1, u] - xd[n, h + 1, 1, u]
            q2 = xd[n, h + 2, 0, c1 + u] - xd[n, h + 1, 0, c1 + u]
            q3 = xd[n, h + 2, 1, c1 + u] - xd[n, h + 1, 1, c1 + u]
            V[8, b + u] = q0 - q2
            V[9, b + u] = q1 + q2
            V[10, b + u] = q2 - q1
            V[11, b + u] = q1 - q3
        for i in range(L):
            u = np.uint64(i)
            q0 = xd[n, h + 1, 0, u] - xd[n, h + 3, 0, u]
            q1 = xd[n, h + 1, 1, u] - xd[n, h + 3, 1, u]
            q2 = xd[n, h + 1, 0, c1 + u] - xd[n, h + 3, 0, c1 + u]
            q3 = xd[n, h + 1, 1, c1 + u] - xd[n, h + 3, 1, c1 + u]
            V[12, b + u] = q0 - q2
            V[13, b + u] = q1 + q2
            V[14, b + u] = q2 - q1
            V[15, b + u] = q1 - q3


@njit(cache=True, parallel=True)
def _output_transform(M, S, y, TH, TW):
    """y[n, 2*th + a, 2*tw + b, co] = sum_{i,j} A^T[a,i] A^T[b,j] M[4i + j, (tile, co)].

    M (16, P*Co) flat over (tile, co); S (nch, 8, TW*Co) scratch, one slice per prange
    iteration (a contiguous range of tile rows).  Row pass: S[a*4 + j] = sum_i A^T[a,i] M[4i+j]
    as 4 long loops over the flat (tw, co) index (each M row read once); column pass per tile
    straight into y, skipping output rows / columns past Ho / Wo (odd sizes).
    """
    N, Ho, Wo, Co = y.shape
    nch = S.shape[0]
    L = TW * Co
    T = N * TH
    for ch in prange(nch):
        for t in range(ch * T // nch, (ch + 1) * T // nch):
            n = t // TH
            h = 2 * (t % TH)
            b = np.uint64(t * L)
            for j in range(4):
                for i in range(L):
                    u = np.uint64(i)
                    m1 = M[4 + j, b + u]
                    m2 = M[8 + j, b + u]
                    S[ch, j, u] = M[j, b + u] + m1 + m2
                    S[ch, 4 + j, u] = m1 - m2 - M[12 + j, b + u]
            for a in range(2):
                if h + a >= Ho:
                    break
                k = 4 * a
                for tw in range(TW):
                    w = 2 * tw
                    o = np.uint64(tw * Co)
                    if w + 1 < Wo:
                        for c in range(Co):
                            e = o + np.uint64(c)
                            s1 = S[ch, k + 1, e]
                            s2 = S[ch, k + 2, e]
                            y[n, h + a, w, c] = S[ch, k, e] + s1 + s2
                            y[n, h + a, w + 1, c] = s1 - s2 - S[ch, k + 3, e]
                    else:
                        for c in range(Co):
                            e = o + np.uint64(c)
                            y[n, h + a, w, c] = S[ch, k, e] + S[ch, k + 1, e] + S[ch, k + 2, e]


def applies(w_shape, strides, dilation) -> bool:
    """True for the shapes this module handles: 3x3 kernels, stride 1, dilation 1."""
    return tuple(w_shape[:2]) == (3, 3) and tuple(strides) == (1, 1) and tuple(dilation) == (1, 1)


class _OneNumbaThread:
    """Within the block, `parallel=True` kernels run on the calling thread (see the module
    docstring); numba's thread count is per calling thread and restored on exit."""

    def __enter__(self):
        self.prev = numba.get_num_threads()
        if self.prev != 1:
            numba.set_num_threads(1)

    def __exit__(self, *exc):
        if self.prev != 1:
            numba.set_num_threads(self.prev)


def conv2d_winograd(x, w, padding):
    """3x3, stride-1 conv2d by Winograd F(2x2, 3x3); None if x or w holds inf / NaN.

    x (N, H, W, Cin) and w (3, 3, Cin, Cout) C-contiguous float32, padding
    ((pt, pb), (pl, pr)) of non-negative ints -> y (N, Ho, Wo, Cout) float32.
    The batch is processed in chunks whose V + M fit WINO_BUDGET_BYTES.
    """
    (pt, pb), (pl, pr) = padding
    N, H, W, Cin = x.shape
    Cout = w.shape[3]
    Ho = H + pt + pb - 2
    Wo = W + pl + pr - 2
    y = np.empty((N, max(Ho, 0), max(Wo, 0), Cout), dtype=np.float32)
    if y.size == 0 or Cin == 0:
        y[...] = 0.0
        return y
    if not np.isfinite(w).all():
        return None
    TH = (Ho + 1) // 2
    TW = (Wo + 1) // 2
    Hp = 2 * TH + 2  # padded rows read by the tiles (rows past H + pt + pb are zeros)
    Wp2 = TW + 1  # column pairs read by the tiles
    U = np.empty((16, Cin, Cout), dtype=np.float32)
    _weights(w, U)
    if not np.isfinite(U).all():  # |w| near float32 max: the halves/sums overflowed
        return None
    per_image = 16 * TH * TW * (Cin + Cout) * 4
    step = max(1, min(N, WINO_BUDGET_BYTES // per_image))
    step = -(-N // -(-N // step))  # balanced chunks
    keep = per_image <= WINO_BUDGET_BYTES  # don't hold on to the buffers of huge images
    S = _scratch("S", 8 * TW * Cout, keep).reshape(1, 8, TW * Cout)
    with _OneNumbaThread():
        for n0 in range(0, N, step):
            n1 = min(N, n0 + step)
            nb = n1 - n0
            P = nb * TH * TW
            xc = _scratch("xd", nb * Hp * 2 * Wp2 * Cin, keep).reshape(nb, Hp, 2, Wp2 * Cin)
            ck = _scratch("chk", nb * Hp * Cin, keep).reshape(nb * Hp, Cin)
            _pad_split(x[n0:n1], xc, ck, pt, pl)
            if not np.isfinite(ck.sum()):
                return None
            v = _scratch("V", 16 * P * Cin, keep).reshape(16, P * Cin)
            m = _scratch("M", 16 * P * Cout, keep).reshape(16, P * Cout)
            _input_transform(xc, v, Cin, TH, TW)
            np.matmul(v.reshape(16, P, Cin), U, out=m.reshape(16, P, Cout))
            _output_transform(m, S, y[n0:n1], TH, TW)
    return y
