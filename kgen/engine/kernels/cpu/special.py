"""Special functions, elementwise (used by the ops layer, e.g. exact gelu needs erf)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._common import f32, launch

MIN_PARALLEL_WORK = 1 << 15  # elements; below this the kernel runs on one thread


@njit(parallel=True, cache=True)
def _erf(x, y):
    for i in prange(x.size):
        y[i] = math.erf(x[i])


def erf(x) -> np.ndarray:
    """Gauss error function erf(x) elementwise, any shape, float32 out.

    Parallel over the flattened array (libm erf per element)."""
    x = f32(x)
    y = np.empty_like(x)
    launch(_erf, x.size, MIN_PARALLEL_WORK, x.reshape(-1), y.reshape(-1))
    return y
