"""Row gather (embedding lookup) and its adjoint, row scatter-add."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._common import f32, launch

MIN_PARALLEL_WORK = 1 << 17  # floats copied; below this the gather runs on one thread


@njit(parallel=True, cache=True)
def _gather_rows(table, idx, out):
    """out[i, :] = table[idx[i], :].  Parallel over indices; contiguous row copy inside.

    Returns the first position whose index is outside [0, V), or -1 if all are valid (the
    kernel checks while it copies, so valid input costs no extra pass)."""
    V = table.shape[0]
    D = table.shape[1]
    bad = idx.size
    for i in prange(idx.size):
        r = idx[i]
        if r < 0 or r >= V:
            bad = min(bad, i)  # prange min-reduction
            continue
        for j in range(D):
            out[i, j] = table[r, j]
    return bad if bad < idx.size else -1


@njit(cache=True)
def _scatter_add_rows(gy, idx, g):
    """g[idx[i], :] += gy[i, :] for every i, in order.

    Deliberately serial: two positions may carry the same index (repeated tokens), and a
    parallel loop over i would race on g[idx[i]]; privatised per-thread tables would cost
    threads x V x D memory (large vocabularies).  Inner loop is a contiguous row add."""
    V = g.shape[0]
    D = g.shape[1]
    for i in range(idx.size):
        r = idx[i]
        if r < 0 or r >= V:
            return i
        for j in range(D):
            g[r, j] += gy[i, j]
    return -1


def _indices(idx):
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        if idx.dtype.kind == "b":
            raise TypeError("indices must be integers, got a boolean array")
        if idx.size and not np.all(np.equal(np.mod(idx, 1), 0)):
            raise TypeError(f"indices must be integers, got {idx.dtype} with fractional values")
    return idx, np.ascontiguousarray(idx.reshape(-1), dtype=np.int64)


def _out_of_range(idx_flat, pos, V) -> IndexError:
    return IndexError(f"index {int(idx_flat[pos])} is out of range for a table of {V} rows (valid: 0..{V - 1})")


def gather_rows(table, idx) -> np.ndarray:
    """table (V, D) float32, idx any-shape ints -> out idx.shape + (D,): out[..., :] = table[idx[...], :].

    Raises IndexError naming the first index outside [0, V).  Parallel over indices.
    """
    table = f32(table)
    if table.ndim != 2:
        raise ValueError(f"gather_rows needs a 2-D table, got shape {table.shape}")
    idx, flat = _indices(idx)
    V, D = table.shape
    out = np.empty((flat.size, D), dtype=np.float32)
    if flat.size:
        bad = launch(_gather_rows, flat.size * D, MIN_PARALLEL_WORK, table, flat, out)
        if bad >= 0:
            raise _out_of_range(flat, bad, V)
    return out.reshape(idx.shape + (D,))


def scatter_add_rows(gy, idx, num_rows) -> np.ndarray:
    """Adjoint of `gather_rows`: gy idx.shape + (D,), idx ints -> gtable (num_rows, D).

    gtable[v] = sum of gy[..., :] over all positions whose index is v (repeats accumulate).
    Raises IndexError for an index outside [0, num_rows).  Serial (see `_scatter_add_rows`).
    """
    gy = f32(gy)
    idx, flat = _indices(idx)
    V = int(num_rows)
    if gy.shape[: idx.ndim] != idx.shape or gy.ndim != idx.ndim + 1:
        raise ValueError(f"scatter_add_rows: gy shape {gy.shape} must be idx shape {idx.shape} + (D,)")
    D = gy.shape[-1]
    g = np.zeros((V, D), dtype=np.float32)
    if flat.size:
        bad = _scatter_add_rows(gy.reshape(flat.size, D), flat, g)
        if bad >= 0:
            raise _out_of_range(flat, bad, V)
    return g
