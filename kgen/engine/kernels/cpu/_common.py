"""Small helpers shared by the CPU kernel wrappers (argument normalisation, no numba)."""

from __future__ import annotations

import numba
import numpy as np


def f32(a) -> np.ndarray:
    """`a` as a C-contiguous float32 array; no copy when it already is one.

    (np.asarray with order="C", not np.ascontiguousarray, which turns 0-d arrays into 1-d.)"""
    return np.asarray(a, dtype=np.float32, order="C")


def ints(values, n: int, what: str) -> tuple:
    """`values` (an int or a sequence of n ints) as a tuple of n Python ints."""
    if np.ndim(values) == 0:
        values = (values,) * n
    values = tuple(int(v) for v in values)
    if len(values) != n:
        raise ValueError(f"{what} needs {n} values, got {values!r}")
    return values


def pads(padding, n: int) -> tuple:
    """`padding` as n (before, after) pairs of non-negative Python ints."""
    padding = tuple(padding)
    if len(padding) != n:
        raise ValueError(f"padding needs {n} (before, after) pairs, got {padding!r}")
    out = []
    for p in padding:
        before, after = (p, p) if np.ndim(p) == 0 else tuple(p)
        before, after = int(before), int(after)
        if before < 0 or after < 0:
            raise ValueError(f"padding must be non-negative, got {padding!r}")
        out.append((before, after))
    return tuple(out)


def out_size(size: int, k: int, stride: int, dilation: int, before: int, after: int) -> int:
    """Output length of a strided, dilated window sliding over a zero-padded axis."""
    span = dilation * (k - 1) + 1
    n = (size + before + after - span) // stride + 1
    return max(n, 0)


def launch(kernel, work: int, min_parallel_work: int, *args):
    """Call a `parallel=True` kernel, on one thread when `work` is below `min_parallel_work`.

    Waking numba's worker threads costs ~15-40 us per call on the reference machine, which is
    more than a whole small relu or im2col takes; below the threshold the kernel runs on the
    calling thread (numba.set_num_threads is per calling thread, restored afterwards).
    """
    if work < min_parallel_work:
        prev = numba.get_num_threads()
        if prev > 1:
            numba.set_num_threads(1)
            try:
                return kernel(*args)
            finally:
                numba.set_num_threads(prev)
    return kernel(*args)
