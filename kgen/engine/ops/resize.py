"""Upsampling by an integer factor per axis: nearest (repeat) and bilinear (a matrix per axis).

Both are compositions of existing ops, so they need no gradient code: nearest is `repeat`,
bilinear is a matmul with a fixed interpolation matrix along each resized axis.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.ops import shape as sh
from kgen.engine.ops.base import composite
from kgen.engine.ops.linalg import matmul


def linear_interpolation_matrix(n: int, scale: int) -> np.ndarray:
    """(n*scale, n) weights: half-pixel centres, edges clamped (TF/JAX bilinear upsampling).

    Output o samples input coordinate (o + 0.5)/scale - 0.5, clamped to [0, n-1], and mixes
    its two neighbouring input cells linearly.
    """
    out = np.zeros((n * scale, n), dtype=np.float32)
    src = np.clip((np.arange(n * scale) + 0.5) / scale - 0.5, 0, n - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = (src - lo).astype(np.float32)
    rows = np.arange(n * scale)
    np.add.at(out, (rows, lo), 1 - frac)
    np.add.at(out, (rows, hi), frac)
    return out


@composite
def upsample(x, size, axes, interpolation="nearest"):
    """Repeat (nearest) or linearly interpolate (bilinear) axis `axes[i]` by `size[i]`."""
    for axis, factor in zip(axes, size):
        factor = int(factor)
        if factor == 1:
            continue
        if interpolation == "nearest":
            x = sh.repeat(x, factor, axis=axis)
        elif interpolation == "bilinear":
            ndim = len(x.shape)
            axis = axis % ndim
            moved = sh.moveaxis(x, axis, -1)
            matrix = linear_interpolation_matrix(int(x.shape[axis]), factor)
            x = sh.moveaxis(matmul(moved, np.ascontiguousarray(matrix.T)), -1, axis)
        else:
            raise ValueError(
                f"interpolation must be 'nearest' or 'bilinear'; received interpolation={interpolation!r}."
            )
    return x
