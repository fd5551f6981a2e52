"""Indexing by integer arrays: take (embedding lookup) and one_hot."""

from __future__ import annotations

import numpy as np

from kgen.engine.ops.base import Op, apply


class Take(Op):
    name = "take"

    @staticmethod
    def forward(ctx, table, indices, axis=0):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            indices = indices.astype(np.int64)
        n = table.shape[axis]
        if indices.size and (indices.min() < -n or indices.max() >= n):
            bad = indices[(indices < -n) | (indices >= n)].ravel()[0]
            raise IndexError(
                f"index {bad} is out of range for an axis of size {n} (valid: 0..{n - 1}). "
                "For an Embedding, input_dim must be larger than the largest index."
            )
        ctx.save(indices)
        if axis == 0 and table.ndim == 2 and table.dtype == np.float32:
            from kgen.engine import device

            return device.kernel("gather_rows")(table, indices % n)
        return np.take(table, indices, axis=axis)

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved
        shape = ctx.shapes[0]
        axis = ctx.attrs.get("axis", 0)
        if axis == 0 and len(shape) == 2 and g.dtype == np.float32:
            from kgen.engine import device

            flat = (indices % shape[0]).reshape(-1)
            return device.kernel("scatter_add_rows")(g.reshape(-1, shape[1]), flat, shape[0]), None
        axis = axis % len(shape)
        out = np.zeros(shape, dtype=g.dtype)
        k = indices.ndim
        np.add.at(np.moveaxis(out, axis, 0), indices, np.moveaxis(g, list(range(axis, axis + k)), list(range(k))))
        return out, None


class OneHot(Op):
    name = "one_hot"

    @staticmethod
    def forward(ctx, indices, num_classes, dtype="float32"):
        indices = np.asarray(indices).astype(np.int64)
        out = np.zeros(indices.shape + (num_classes,), dtype=dtype)
        valid = (indices >= 0) & (indices < num_classes)
        np.put_along_axis(out, np.where(valid, indices, 0)[..., None], valid[..., None].astype(dtype), axis=-1)
        return out

    @staticmethod
    def backward(ctx, g):
        return None


def take(x, indices, axis=0):
    return apply(Take, x, indices, axis=axis)


def one_hot(indices, num_classes, dtype="float32"):
    return apply(OneHot, indices, num_classes=int(num_classes), dtype=dtype)
