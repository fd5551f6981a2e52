"""Shared-memory tiled matrix multiply on the GPU."""

from __future__ import annotations

import numpy as np

def _kernel():
    """(numba.cuda, kernel, tile edge); imports CUDA only when called."""
    from numba import cuda

    from ._matmul_device import TPB, matmul_tiled

    return cuda, matmul_tiled, TPB


def matmul(a, b) -> np.ndarray:
    """C = A @ B on the GPU: A (M, K), B (K, N) float32 host arrays -> C (M, N) host array.

    Copies A and B to the device, launches a (ceil(N/TPB), ceil(M/TPB)) grid of TPB x TPB
    blocks (TPB = 16), copies C back."""
    a = np.asarray(a, dtype=np.float32, order="C")
    b = np.asarray(b, dtype=np.float32, order="C")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul shape mismatch: {a.shape} @ {b.shape}")
    M, N = a.shape[0], b.shape[1]
    if M == 0 or N == 0 or a.shape[1] == 0:
        return np.zeros((M, N), dtype=np.float32)
    cuda, kern, TPB = _kernel()
    da = cuda.to_device(a)
    db = cuda.to_device(b)
    dc = cuda.device_array((M, N), dtype=np.float32)
    grid = ((N + TPB - 1) // TPB, (M + TPB - 1) // TPB)
    kern[grid, (TPB, TPB)](da, db, dc)
    return dc.copy_to_host()
