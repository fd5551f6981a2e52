"""Ops that move values without computing new ones: reshape, transpose, slicing, joins, padding."""

from __future__ import annotations

import numpy as np

from kgen.engine.ops.base import Op, apply, composite


class Reshape(Op):
    name = "reshape"

    @staticmethod
    def forward(ctx, x, shape):
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shapes[0])


class Transpose(Op):
    name = "transpose"

    @staticmethod
    def forward(ctx, x, axes=None):
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):
        axes = ctx.attrs.get("axes")
        if axes is None:
            return np.transpose(g)
        return np.transpose(g, np.argsort(axes))


class GetItem(Op):
    name = "getitem"

    @staticmethod
    def forward(ctx, x, index):
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shapes[0], dtype=g.dtype)
        index = ctx.attrs["index"]
        if _is_basic(index):
            out[index] = g  # a basic slice selects each element at most once
        else:
            np.add.at(out, index, g)  # fancy indexing may repeat elements: accumulate
        return out


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) and not isinstance(p, bool) for p in parts)


class Concatenate(Op):
    name = "concatenate"

    @staticmethod
    def forward(ctx, *xs, axis=-1):
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        axis = ctx.attrs.get("axis", -1)
        sizes = [s[axis] for s in ctx.shapes]
        return tuple(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


class Stack(Op):
    name = "stack"

    @staticmethod
    def forward(ctx, *xs, axis=0):
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        axis = ctx.attrs.get("axis", 0)
        return tuple(np.moveaxis(g, axis, 0))


class Pad(Op):
    name = "pad"

    @staticmethod
    def forward(ctx, x, pad_width, constant_values=0):
        return np.pad(x, pad_width, constant_values=constant_values)

    @staticmethod
    def backward(ctx, g):
        index = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(ctx.attrs["pad_width"]))
        return g[index]


class Tile(Op):
    name = "tile"

    @staticmethod
    def forward(ctx, x, repeats):
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, g):
        shape = ctx.shapes[0]
        reps = tuple(ctx.attrs["repeats"])
        reps = (1,) * (len(shape) - len(reps)) + reps
        shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split = []
        for r, n in zip(reps, shape):
            split += [r, n]
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(ctx.shapes[0])


class Repeat(Op):
    name = "repeat"

    @staticmethod
    def forward(ctx, x, repeats, axis):
        return np.repeat(x, repeats, axis=axis)

    @staticmethod
    def backward(ctx, g):
        repeats, axis = ctx.attrs["repeats"], ctx.attrs["axis"]
        shape = ctx.shapes[0]
        axis = axis % len(shape)
        g = g.reshape(shape[:axis] + (shape[axis], repeats) + shape[axis + 1 :])
        return g.sum(axis=axis + 1)


class BroadcastTo(Op):
    name = "broadcast_to"

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape).copy()

    @staticmethod
    def backward(ctx, g):
        from kgen.engine.ops.base import unbroadcast

        return unbroadcast(g, ctx.shapes[0])


def _axes(axes, ndim):
    return tuple(a % ndim for a in axes)


def reshape(x, shape):
    return apply(Reshape, x, shape=tuple(int(-1 if s is None else s) for s in shape))


def transpose(x, axes=None):
    return apply(Transpose, x, axes=None if axes is None else tuple(axes))


def getitem(x, index):
    if isinstance(index, list):
        index = np.asarray(index)
    return apply(GetItem, x, index=index)


def concatenate(xs, axis=-1):
    return apply(Concatenate, *xs, axis=axis)


def stack(xs, axis=0):
    return apply(Stack, *xs, axis=axis)


def pad(x, pad_width, constant_values=0):
    return apply(Pad, x, pad_width=tuple(tuple(p) for p in pad_width), constant_values=constant_values)


def tile(x, repeats):
    return apply(Tile, x, repeats=tuple(repeats))


def repeat(x, repeats, axis):
    return apply(Repeat, x, repeats=int(repeats), axis=axis)


def broadcast_to(x, shape):
    return apply(BroadcastTo, x, shape=tuple(shape))


@composite
def expand_dims(x, axis):
    shape = list(x.shape)
    axis = axis if axis >= 0 else len(shape) + 1 + axis
    shape.insert(axis, 1)
    return reshape(x, shape)


@composite
def squeeze(x, axis=None):
    shape = x.shape
    if axis is None:
        keep = [n for n in shape if n != 1]
    else:
        axes = _axes(axis if isinstance(axis, (tuple, list)) else (axis,), len(shape))
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} has size {shape[a]}, not 1. Received shape {shape}.")
        keep = [n for i, n in enumerate(shape) if i not in axes]
    return reshape(x, keep)


@composite
def flatten_batch(x):
    """(batch, ...) -> (batch, prod(...)), row-major like Keras' Flatten."""
    return reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))


def moveaxis(x, source, destination):
    order = [i for i in range(len(x.shape)) if i != source % len(x.shape)]
    order.insert(destination % len(x.shape), source % len(x.shape))
    return transpose(x, order)


def swapaxes(x, a, b):
    order = list(range(len(x.shape)))
    order[a], order[b] = order[b], order[a]
    return transpose(x, order)


def flip(x, axis):
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(None, None, -1)
    return getitem(x, tuple(index))


def split(x, indices_or_sections, axis=0):
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        size = n // indices_or_sections
        bounds = [i * size for i in range(indices_or_sections + 1)]
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index = [slice(None)] * len(x.shape)
        index[axis] = slice(lo, hi)
        out.append(getitem(x, tuple(index)))
    return out


def unstack(x, axis=0):
    index = [slice(None)] * len(x.shape)
    out = []
    for i in range(x.shape[axis]):
        index[axis] = i
        out.append(getitem(x, tuple(index)))
    return out
