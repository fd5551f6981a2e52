"""Device code of the direct conv2d, imported only when the kernel is first used.

Kept in its own module with `cuda` as a module global (not a closure variable) so the CUDA
simulator can substitute its fake `cuda` module."""

from numba import cuda, float32


@cuda.jit
def conv2d_direct(x, w, y, sh, sw, dh, dw, pt, pl):
    """y[n, ho, wo, co] = sum_{kh, kw, ci} xpad[n, ho*sh + kh*dh, wo*sw + kw*dw, ci] * w[kh, kw, ci, co].

    One thread per output element, flattened with co fastest: neighbouring threads of a
    warp write neighbouring y addresses and read neighbouring w[kh, kw, ci, :] (coalesced)
    while sharing the same x value (broadcast).  Padding taps are skipped, never read."""
    i = cuda.grid(1)
    N, H, W, Cin = x.shape
    KH, KW, _, Cout = w.shape
    Ho = y.shape[1]
    Wo = y.shape[2]
    if i >= N * Ho * Wo * Cout:
        return
    co = i % Cout
    t = i // Cout
    wo = t % Wo
    t = t // Wo
    ho = t % Ho
    n = t // Ho
    acc = float32(0.0)
    for kh in range(KH):
        hi = ho * sh - pt + kh * dh
        if hi < 0 or hi >= H:
            continue
        for kw in range(KW):
            wi = wo * sw - pl + kw * dw
            if wi < 0 or wi >= W:
                continue
            for ci in range(Cin):
                acc += x[n, hi, wi, ci] * w[kh, kw, ci, co]
    y[n, ho, wo, co] = acc
