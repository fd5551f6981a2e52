"""Matrix products: matmul (numpy semantics), Keras' dot, tensordot and batch_dot.

Only `matmul` is a primitive (its 2-D core runs on the selected device's kernel);
dot, tensordot and batch_dot are reshapes and transposes around it, so they need
no gradient code of their own.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.ops import shape as sh
from kgen.engine.ops.base import Op, apply, composite, unbroadcast


def _mm2d(a, b):
    from kgen.engine import device

    if a.dtype == np.float32 and b.dtype == np.float32:
        return device.kernel("matmul")(a, b)
    return a @ b


class MatMul(Op):
    name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        if a.ndim >= 2 and b.ndim == 2:
            out = _mm2d(a.reshape(-1, a.shape[-1]), b)
            return out.reshape(a.shape[:-1] + (b.shape[1],))
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        need_a, need_b = getattr(ctx, "needs_grad", (True, True))
        if a.ndim >= 2 and b.ndim == 2:
            g2 = g.reshape(-1, g.shape[-1])
            ga = _mm2d(g2, b.T).reshape(a.shape) if need_a else None
            gb = _mm2d(a.reshape(-1, a.shape[-1]).T, g2) if need_b else None
            return ga, gb
        if a.ndim == 1 or b.ndim == 1:
            a2 = a[None, :] if a.ndim == 1 else a
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = g
            if a.ndim == 1:
                g2 = np.expand_dims(g2, -2)
            if b.ndim == 1:
                g2 = np.expand_dims(g2, -1)
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            ga = ga.reshape(ga.shape[:-2] + (ga.shape[-1],)) if a.ndim == 1 else ga
            gb = gb[..., 0] if b.ndim == 1 else gb
            return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)
        ga = np.matmul(g, np.swapaxes(b, -1, -2))
        gb = np.matmul(np.swapaxes(a, -1, -2), g)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)


def matmul(a, b):
    return apply(MatMul, a, b)


def _shape(x):
    return tuple(x.shape)


@composite
def tensordot(a, b, axes=2):
    """numpy.tensordot built from transpose + reshape + matmul."""
    sa, sb = _shape(a), _shape(b)
    if isinstance(axes, int):
        axes_a = list(range(len(sa) - axes, len(sa)))
        axes_b = list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    axes_a = [ax % len(sa) for ax in axes_a]
    axes_b = [ax % len(sb) for ax in axes_b]
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [i for i in range(len(sb)) if i not in axes_b]
    k = int(np.prod([sa[i] for i in axes_a])) if axes_a else 1
    at = sh.reshape(sh.transpose(a, free_a + axes_a), (-1, k))
    bt = sh.reshape(sh.transpose(b, axes_b + free_b), (k, -1))
    out = matmul(at, bt)
    return sh.reshape(out, tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


@composite
def dot(x, y):
    """Keras' `K.dot`: x's last axis against y's second-to-last (y's last if y is 1-D)."""
    if len(_shape(y)) <= 2:
        return matmul(x, y)
    return tensordot(x, y, axes=([-1], [-2]))


@composite
def batch_dot(x, y, axes=None):
    """Keras' `K.batch_dot`: a dot product per sample, contracting `axes` (batch is axis 0).

    The result has rank x.ndim + y.ndim - 2 (at least 2: a per-sample scalar becomes (batch, 1)).
    """
    sx, sy = _shape(x), _shape(y)
    nx, ny = len(sx), len(sy)
    if axes is None:
        axes = (nx - 1, ny - 2) if ny > 2 else (nx - 1, ny - 1)
    if isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = (axes[0] % nx, axes[1] % ny)
    if ax == 0 or ay == 0:
        raise ValueError(f"batch_dot cannot contract the batch axis 0. Received: axes={axes}")
    if sx[ax] is not None and sy[ay] is not None and sx[ax] != sy[ay]:
        raise ValueError(
            f"batch_dot: the contracted axes must have the same size. Received: x.shape={sx}, "
            f"y.shape={sy}, axes={axes} (sizes {sx[ax]} and {sy[ay]})."
        )
    free_x = [i for i in range(1, nx) if i != ax]
    free_y = [i for i in range(1, ny) if i != ay]
    xt = sh.transpose(x, [0] + free_x + [ax])
    yt = sh.transpose(y, [0, ay] + free_y)
    px = int(np.prod([sx[i] for i in free_x])) if free_x else 1
    py = int(np.prod([sy[i] for i in free_y])) if free_y else 1
    out = matmul(sh.reshape(xt, (-1, px, sx[ax])), sh.reshape(yt, (-1, sy[ay], py)))
    out_shape = (-1,) + tuple(sx[i] for i in free_x) + tuple(sy[i] for i in free_y)
    if len(out_shape) == 1:
        out_shape = (-1, 1)
    return sh.reshape(out, out_shape)
