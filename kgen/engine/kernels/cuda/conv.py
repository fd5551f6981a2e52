"""Direct 2-D convolution (channels-last cross-correlation) on the GPU."""

from __future__ import annotations

import numpy as np

THREADS = 128  # threads per block (1-D launch)


def _kernel():
    """(numba.cuda, compiled-on-first-launch kernel); imports CUDA only when called."""
    from numba import cuda

    from ._conv_device import conv2d_direct

    return cuda, conv2d_direct


def conv2d(x, w, strides, dilation, padding) -> np.ndarray:
    """2-D cross-correlation on the GPU; same contract as `kgen.engine.kernels.cpu.conv2d`.

    x (N, H, W, Cin), w (KH, KW, Cin, Cout) host float32 arrays -> y (N, Ho, Wo, Cout) host
    array.  strides=(sh, sw), dilation=(dh, dw), padding=((pt, pb), (pl, pr)) zeros."""
    from kgen.engine.kernels.cpu.conv import _conv2d_geometry

    x = np.asarray(x, dtype=np.float32, order="C")
    w = np.asarray(w, dtype=np.float32, order="C")
    (sh, sw), (dh, dw), (pt, pb, pl, pr), Ho, Wo = _conv2d_geometry(x.shape, w.shape, strides, dilation, padding)
    N, Cout = x.shape[0], w.shape[3]
    total = N * Ho * Wo * Cout
    if total == 0:
        return np.zeros((N, Ho, Wo, Cout), dtype=np.float32)
    cuda, kern = _kernel()
    dx = cuda.to_device(x)
    dwt = cuda.to_device(w)
    dy = cuda.device_array((N, Ho, Wo, Cout), dtype=np.float32)
    blocks = (total + THREADS - 1) // THREADS
    kern[blocks, THREADS](dx, dwt, dy, sh, sw, dh, dw, pt, pl)
    return dy.copy_to_host()
