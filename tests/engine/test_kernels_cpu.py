"""CPU kernels against independent plain-numpy (float64) oracles.

The oracles never use im2col: convolutions are sums over kernel taps of strided slices of the
explicitly padded input; pooling pads with NaN and uses nanmax / nanmean, which is exactly
"padded cells are ignored".
"""

from __future__ import annotations

import numpy as np
import pytest

from kgen.engine.kernels import cpu as K

RTOL = 1e-5
ATOL = 1e-5


def rng(seed=0):
    return np.random.default_rng(seed)


def randn(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(np.float32)


def close(actual, expected, rtol=RTOL, atol=ATOL):
    assert actual.dtype == np.float32
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- oracles


def out_len(size, k, s, d, before, after):
    return (size + before + after - d * (k - 1) - 1) // s + 1


def tap(xp, axis_starts, strides, counts):
    """xp[:, a0 : a0 + s0*(n0-1)+1 : s0, ...] over the spatial axes (1..nd)."""
    idx = [slice(None)]
    for a, s, n in zip(axis_starts, strides, counts):
        idx.append(slice(a, a + s * (n - 1) + 1, s))
    idx.append(slice(None))
    return xp[tuple(idx)]


def conv_oracle(x, w, strides, dilation, padding):
    """N-d (1..3 spatial axes) channels-last cross-correlation in float64."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    nd = x.ndim - 2
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    ksz = w.shape[:nd]
    outs = [out_len(x.shape[1 + i], ksz[i], strides[i], dilation[i], *padding[i]) for i in range(nd)]
    y = np.zeros((x.shape[0], *outs, w.shape[-1]))
    for k in np.ndindex(*ksz):
        starts = [k[i] * dilation[i] for i in range(nd)]
        y += tap(xp, starts, strides, outs) @ w[k]
    return y


def conv_grad_oracles(x, w, gy, strides, dilation, padding):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    gy = gy.astype(np.float64)
    nd = x.ndim - 2
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(w)
    ksz = w.shape[:nd]
    outs = gy.shape[1:-1]
    for k in np.ndindex(*ksz):
        starts = [k[i] * dilation[i] for i in range(nd)]
        tap(gxp, starts, strides, outs)[...] += gy @ w[k].T
        xs = tap(xp, starts, strides, outs)
        gw[k] = xs.reshape(-1, xs.shape[-1]).T @ gy.reshape(-1, gy.shape[-1])
    crop = (slice(None),) + tuple(slice(b, b + x.shape[1 + i]) for i, (b, _) in enumerate(padding)) + (slice(None),)
    return gxp[crop], gw


def depthwise_oracle(x, w, strides, dilation, padding):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    KH, KW, C, DM = w.shape
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    Ho = out_len(x.shape[1], KH, strides[0], dilation[0], *padding[0])
    Wo = out_len(x.shape[2], KW, strides[1], dilation[1], *padding[1])
    y = np.zeros((x.shape[0], Ho, Wo, C, DM))
    for kh in range(KH):
        for kw in range(KW):
            xs = tap(xp, (kh * dilation[0], kw * dilation[1]), strides, (Ho, Wo))
            y += xs[..., :, None] * w[kh, kw]
    return y.reshape(x.shape[0], Ho, Wo, C * DM)


def depthwise_grad_oracles(x, w, gy, strides, dilation, padding):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    KH, KW, C, DM = w.shape
    N, Ho, Wo, _ = gy.shape
    g = gy.astype(np.float64).reshape(N, Ho, Wo, C, DM)
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(w)
    for kh in range(KH):
        for kw in range(KW):
            starts = (kh * dilation[0], kw * dilation[1])
            tap(gxp, starts, strides, (Ho, Wo))[...] += (g * w[kh, kw]).sum(-1)
            gw[kh, kw] = np.einsum("nhwc,nhwcm->cm", tap(xp, starts, strides, (Ho, Wo)), g)
    (pt, _), (pl, _) = padding
    return gxp[:, pt : pt + x.shape[1], pl : pl + x.shape[2]], gw


def pool_oracle(x, pool, strides, padding, mode):
    """NaN-padded windows: nanmax / nanmean ignore the padding; all-NaN windows give 0."""
    nd = x.ndim - 2
    xp = np.pad(x.astype(np.float64), ((0, 0),) + tuple(padding) + ((0, 0),), constant_values=np.nan)
    outs = [out_len(x.shape[1 + i], pool[i], strides[i], 1, *padding[i]) for i in range(nd)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for o in np.ndindex(*outs):
        win = xp[(slice(None),) + tuple(slice(o[i] * strides[i], o[i] * strides[i] + pool[i]) for i in range(nd))]
        win = win.reshape(x.shape[0], -1, x.shape[-1])
        real = ~np.isnan(win)
        cnt = real.sum(1)
        if mode == "max":
            v = np.where(real, win, -np.inf).max(1)
        else:
            v = np.where(real, win, 0).sum(1) / np.maximum(cnt, 1)
        y[(slice(None),) + o] = np.where(cnt > 0, v, 0)
    return y


def pool_grad_oracle(x, gy, pool, strides, padding, mode):
    """Loop over windows; max routes to np.argmax of the row-major flattened real window."""
    nd = x.ndim - 2
    gx = np.zeros(x.shape)
    pads = [p[0] for p in padding]
    for n in range(x.shape[0]):
        for c in range(x.shape[-1]):
            for o in np.ndindex(*gy.shape[1:-1]):
                lo = [max(o[i] * strides[i] - pads[i], 0) for i in range(nd)]
                hi = [min(o[i] * strides[i] - pads[i] + pool[i], x.shape[1 + i]) for i in range(nd)]
                if any(h <= l for l, h in zip(lo, hi)):
                    continue
                region = tuple(slice(l, h) for l, h in zip(lo, hi))
                win = x[(n,) + region + (c,)]
                g = gy[(n,) + o + (c,)]
                if mode == "max":
                    pos = np.unravel_index(np.argmax(win), win.shape)
                    gx[(n,) + tuple(l + p for l, p in zip(lo, pos)) + (c,)] += g
                else:
                    gx[(n,) + region + (c,)] += g / win.size
    return gx


# ----------------------------------------------------------------------------- matmul


MATMUL_SHAPES = [(1, 1, 1), (33, 17, 20), (5, 300, 513), (64, 64, 64), (130, 257, 70), (3, 0, 4), (0, 5, 2)]


@pytest.mark.parametrize("fn", [K.matmul, K.matmul_tiled], ids=["blas", "tiled"])
@pytest.mark.parametrize("m,k,n", MATMUL_SHAPES)
def test_matmul(fn, m, k, n):
    a = randn(m, k, seed=1)
    b = randn(k, n, seed=2)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    close(fn(a, b), expected, rtol=1e-4, atol=1e-4 * max(1.0, np.sqrt(k)))


def test_matmul_tiled_large_relative_error():
    a = rng(3).random((256, 512), dtype=np.float32)  # positive: no cancellation
    b = rng(4).random((512, 300), dtype=np.float32)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    rel = np.abs(K.matmul_tiled(a, b) - ref) / ref
    assert rel.max() < 1e-5


def test_matmul_casts_and_checks():
    a = np.arange(12.0).reshape(3, 4)  # float64
    b = np.asfortranarray(np.ones((4, 2)))
    for fn in (K.matmul, K.matmul_tiled):
        out = fn(a, b)
        assert out.dtype == np.float32 and out.flags.c_contiguous
        np.testing.assert_array_equal(out, a @ b)
        with pytest.raises(ValueError):
            fn(a, np.ones((3, 2)))


# ----------------------------------------------------------------------------- conv2d

CONV2D_CASES = [
    # x shape (N,H,W,Cin), kernel (KH,KW,Cout), strides, dilation, padding
    ((2, 8, 8, 3), (3, 3, 4), (1, 1), (1, 1), ((1, 1), (1, 1))),  # 'same'
    ((2, 8, 7, 3), (3, 3, 4), (1, 1), (1, 1), ((0, 0), (0, 0))),  # 'valid'
    ((1, 9, 9, 2), (3, 2, 5), (2, 2), (1, 1), ((0, 1), (1, 0))),  # strided, asymmetric pad
    ((2, 10, 9, 3), (3, 3, 2), (1, 2), (2, 1), ((2, 2), (0, 3))),  # dilated
    ((1, 7, 11, 4), (2, 3, 3), (3, 2), (2, 3), ((1, 0), (2, 2))),  # all of it
    ((3, 5, 5, 6), (1, 1, 7), (1, 1), (1, 1), ((0, 0), (0, 0))),  # pointwise fast path
    ((2, 6, 6, 2), (1, 1, 3), (2, 2), (1, 1), ((0, 0), (0, 0))),  # 1x1 strided
    ((1, 3, 3, 1), (3, 3, 1), (1, 1), (1, 1), ((4, 4), (4, 4))),  # padding larger than kernel
]


@pytest.mark.parametrize("xs,ks,strides,dilation,padding", CONV2D_CASES)
def test_conv2d_and_grads(xs, ks, strides, dilation, padding):
    x = randn(*xs, seed=5)
    w = randn(ks[0], ks[1], xs[3], ks[2], seed=6)
    expected = conv_oracle(x, w, strides, dilation, padding)
    y = K.conv2d(x, w, strides, dilation, padding)
    close(y, expected)

    gy = randn(*expected.shape, seed=7)
    gx_ref, gw_ref = conv_grad_oracles(x, w, gy, strides, dilation, padding)
    gx = K.conv2d_grad_input(gy, w, x.shape, strides, dilation, padding)
    gw = K.conv2d_grad_weight(x, gy, w.shape, strides, dilation, padding)
    close(gx, gx_ref)
    close(gw, gw_ref, rtol=1e-4, atol=1e-4)

    # adjoint identities: <conv(x), gy> == <x, grad_input(gy)> == <w, grad_weight(gy)>
    lhs = np.vdot(y.astype(np.float64), gy)
    np.testing.assert_allclose(np.vdot(x.astype(np.float64), gx), lhs, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(np.vdot(w.astype(np.float64), gw), lhs, rtol=1e-4, atol=1e-3)


def test_conv2d_batch_chunking(monkeypatch):
    """A tiny column budget forces one-image chunks; results must not change."""
    from kgen.engine.kernels.cpu import conv

    x = randn(5, 6, 6, 3, seed=8)
    w = randn(3, 3, 3, 4, seed=9)
    args = ((1, 1), (1, 1), ((1, 1), (1, 1)))
    y_full = K.conv2d(x, w, *args)
    gy = randn(*y_full.shape, seed=10)
    gx_full = K.conv2d_grad_input(gy, w, x.shape, *args)
    gw_full = K.conv2d_grad_weight(x, gy, w.shape, *args)
    monkeypatch.setattr(conv, "COL_BUDGET_BYTES", 1)
    close(K.conv2d(x, w, *args), y_full)
    close(K.conv2d_grad_input(gy, w, x.shape, *args), gx_full)
    close(K.conv2d_grad_weight(x, gy, w.shape, *args), gw_full, rtol=1e-4, atol=1e-4)


def test_conv2d_finite_difference_tiny():
    """Central differences of L = sum(conv(x, w) * gy) in float64 against the float32 grads."""
    x = randn(1, 4, 4, 2, seed=11)
    w = randn(2, 2, 2, 2, seed=12)
    args = ((2, 1), (1, 2), ((1, 0), (1, 1)))
    gy = randn(*K.conv2d(x, w, *args).shape, seed=13)

    def loss(xv, wv):
        return float(np.sum(conv_oracle(xv, wv, *args) * gy))

    gx = K.conv2d_grad_input(gy, w, x.shape, *args)
    gw = K.conv2d_grad_weight(x, gy, w.shape, *args)
    eps = 1e-3
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x64)
        d[i] = eps
        assert abs((loss(x64 + d, w64) - loss(x64 - d, w64)) / (2 * eps) - gx[i]) < 1e-4
    for i in np.ndindex(w.shape):
        d = np.zeros_like(w64)
        d[i] = eps
        assert abs((loss(x64, w64 + d) - loss(x64, w64 - d)) / (2 * eps) - gw[i]) < 1e-4


def test_conv2d_input_checks():
    x = randn(1, 5, 5, 3)
    with pytest.raises(ValueError, match="channels"):
        K.conv2d(x, randn(3, 3, 2, 4), (1, 1), (1, 1), ((0, 0), (0, 0)))
    with pytest.raises(ValueError):
        K.conv2d(x, randn(3, 3, 3, 4), (0, 1), (1, 1), ((0, 0), (0, 0)))
    # window larger than the input: empty output, not an error
    assert K.conv2d(x, randn(7, 7, 3, 4), (1, 1), (1, 1), ((0, 0), (0, 0))).shape == (1, 0, 0, 4)


def test_conv2d_casts_float64_and_noncontiguous():
    x = rng(14).standard_normal((2, 9, 8, 3))[:, ::2]  # float64, strided
    w = rng(15).standard_normal((3, 3, 3, 2))
    args = ((1, 1), (1, 1), ((1, 1), (1, 1)))
    close(K.conv2d(x, w, *args), conv_oracle(x.astype(np.float32), w.astype(np.float32), *args))


# ----------------------------------------------------------------------------- depthwise

DEPTHWISE_CASES = [
    ((2, 7, 7, 3), (3, 3, 1), (1, 1), (1, 1), ((1, 1), (1, 1))),
    ((1, 8, 9, 2), (3, 2, 3), (2, 1), (1, 2), ((0, 1), (2, 1))),
    ((2, 9, 6, 4), (2, 3, 2), (1, 3), (3, 1), ((0, 0), (0, 0))),
]


@pytest.mark.parametrize("xs,ks,strides,dilation,padding", DEPTHWISE_CASES)
def test_depthwise_conv2d_and_grads(xs, ks, strides, dilation, padding):
    x = randn(*xs, seed=20)
    w = randn(ks[0], ks[1], xs[3], ks[2], seed=21)
    expected = depthwise_oracle(x, w, strides, dilation, padding)
    y = K.depthwise_conv2d(x, w, strides, dilation, padding)
    close(y, expected)
    gy = randn(*y.shape, seed=22)
    gx_ref, gw_ref = depthwise_grad_oracles(x, w, gy, strides, dilation, padding)
    close(K.depthwise_conv2d_grad_input(gy, w, x.shape, strides, dilation, padding), gx_ref)
    close(K.depthwise_conv2d_grad_weight(x, gy, w.shape, strides, dilation, padding), gw_ref, rtol=1e-4, atol=1e-4)


def test_depthwise_channel_order():
    """Output channel c*DM + m is input channel c filtered by w[..., c, m]."""
    x = np.zeros((1, 1, 1, 2), np.float32)
    x[..., 1] = 1.0
    w = np.arange(1 * 1 * 2 * 3, dtype=np.float32).reshape(1, 1, 2, 3)
    y = K.depthwise_conv2d(x, w, (1, 1), (1, 1), ((0, 0), (0, 0)))
    np.testing.assert_array_equal(y.reshape(-1), [0, 0, 0, 3, 4, 5])


# ----------------------------------------------------------------------------- conv3d

CONV3D_CASES = [
    ((2, 4, 5, 5, 2), (2, 3, 3, 3), (1, 1, 1), (1, 1, 1), ((0, 1), (1, 1), (1, 1))),
    ((1, 6, 5, 7, 3), (3, 2, 2, 2), (2, 1, 2), (1, 2, 1), ((1, 1), (0, 2), (1, 0))),
]


@pytest.mark.parametrize("xs,ks,strides,dilation,padding", CONV3D_CASES)
def test_conv3d_and_grads(xs, ks, strides, dilation, padding):
    x = randn(*xs, seed=30)
    w = randn(ks[0], ks[1], ks[2], xs[4], ks[3], seed=31)
    expected = conv_oracle(x, w, strides, dilation, padding)
    y = K.conv3d(x, w, strides, dilation, padding)
    close(y, expected)
    gy = randn(*y.shape, seed=32)
    gx_ref, gw_ref = conv_grad_oracles(x, w, gy, strides, dilation, padding)
    close(K.conv3d_grad_input(gy, w, x.shape, strides, dilation, padding), gx_ref)
    close(K.conv3d_grad_weight(x, gy, w.shape, strides, dilation, padding), gw_ref, rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- pooling

POOL2D_CASES = [
    ((2, 6, 6, 3), (2, 2), (2, 2), ((0, 0), (0, 0))),  # classic
    ((2, 5, 7, 2), (3, 3), (1, 1), ((1, 1), (1, 1))),  # 'same', stride 1: overlapping
    ((1, 7, 5, 3), (3, 2), (2, 3), ((0, 1), (1, 0))),  # 'same' with asymmetric padding
    ((1, 4, 4, 2), (2, 2), (1, 1), ((3, 0), (0, 0))),  # empty windows (padding >= pool)
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("xs,pool,strides,padding", POOL2D_CASES)
def test_pool2d_and_grad(xs, pool, strides, padding, mode):
    x = randn(*xs, seed=40)
    expected = pool_oracle(x, pool, strides, padding, mode)
    y = K.pool2d(x, pool, strides, padding, mode)
    close(y, expected)
    gy = randn(*y.shape, seed=41)
    close(K.pool2d_grad(x, gy, pool, strides, padding, mode), pool_grad_oracle(x, gy, pool, strides, padding, mode))


def test_pool2d_padding_never_wins_or_counts():
    x = -np.ones((1, 2, 2, 1), np.float32)  # all negative: a zero pad would win a max
    pad = ((1, 1), (1, 1))
    np.testing.assert_array_equal(K.pool2d(x, (2, 2), (1, 1), pad, "max"), -np.ones((1, 3, 3, 1)))
    np.testing.assert_array_equal(K.pool2d(x, (2, 2), (1, 1), pad, "avg"), -np.ones((1, 3, 3, 1)))


def test_max_pool_ties_go_to_first_in_row_major_order():
    x = rng(42).integers(0, 2, (2, 6, 6, 3)).astype(np.float32)  # many ties
    gy = np.ones((2, 3, 3, 3), np.float32)
    args = ((3, 3), (2, 2), ((1, 0), (1, 0)), "max")
    gx = K.pool2d_grad(x, gy, *args)
    close(gx, pool_grad_oracle(x, gy, *args[:3], "max"))
    assert gx.sum() == gy.sum()  # exactly one cell per window receives its gradient


def test_pool_mode_checked():
    with pytest.raises(ValueError, match="mode"):
        K.pool2d(randn(1, 2, 2, 1), (2, 2), (2, 2), ((0, 0), (0, 0)), "min")


POOL3D_CASES = [
    ((2, 4, 4, 4, 2), (2, 2, 2), (2, 2, 2), ((0, 0), (0, 0), (0, 0))),
    ((1, 5, 4, 6, 2), (3, 2, 3), (1, 2, 2), ((1, 1), (0, 1), (1, 1))),
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("xs,pool,strides,padding", POOL3D_CASES)
def test_pool3d_and_grad(xs, pool, strides, padding, mode):
    x = randn(*xs, seed=43)
    y = K.pool3d(x, pool, strides, padding, mode)
    close(y, pool_oracle(x, pool, strides, padding, mode))
    gy = randn(*y.shape, seed=44)
    close(K.pool3d_grad(x, gy, pool, strides, padding, mode), pool_grad_oracle(x, gy, pool, strides, padding, mode))


# ----------------------------------------------------------------------------- activations

ACT_SHAPES = [(), (7,), (3, 5), (2, 3, 4, 5), (70000,)]  # last one takes the parallel path


@pytest.mark.parametrize("shape", ACT_SHAPES, ids=str)
def test_elementwise_activations(shape):
    x = (randn(*shape, seed=50) * 4).astype(np.float32)
    x64 = x.astype(np.float64)
    gy = randn(*shape, seed=51)
    close(K.relu(x), np.maximum(x64, 0))
    close(K.relu_grad(x, gy), np.where(x64 > 0, gy, 0))
    close(K.sigmoid(x), 1 / (1 + np.exp(-x64)))
    close(K.tanh(x), np.tanh(x64))
    close(K.erf(x), np.vectorize(__import__("math").erf)(x64) if x.size < 1000 else K.erf(x))


def test_sigmoid_extremes_do_not_overflow():
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], np.float32)
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is fine
        y = K.sigmoid(x)
    assert np.all(np.isfinite(y))
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-x.astype(np.float64)))  # sigmoid(-100) = 3.7e-44, a float32 denormal
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-45)


@pytest.mark.parametrize("shape", [(5,), (3, 7), (2, 3, 10), (400, 100)], ids=str)
def test_softmax_family(shape):
    x = (randn(*shape, seed=52) * 3).astype(np.float32)
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(-1, keepdims=True))
    sm = e / e.sum(-1, keepdims=True)
    close(K.softmax(x), sm)
    close(K.log_softmax(x), np.log(sm))
    y = K.softmax(x)
    gy = randn(*shape, seed=53)
    y64 = y.astype(np.float64)
    close(K.softmax_grad(y, gy), y64 * (gy - (gy * y64).sum(-1, keepdims=True)))


def test_softmax_large_logits_are_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-1e30, 0.0, 1e30]], np.float32)
    np.testing.assert_allclose(K.softmax(x), [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], atol=1e-7)
    assert np.all(np.isfinite(K.log_softmax(x[:1])))


# ----------------------------------------------------------------------------- gather / scatter


@pytest.mark.parametrize("idx_shape", [(), (6,), (3, 4), (2, 2, 3)], ids=str)
def test_gather_and_scatter_rows(idx_shape):
    table = randn(10, 5, seed=60)
    idx = rng(61).integers(0, 10, idx_shape)
    out = K.gather_rows(table, idx)
    close(out, np.take(table, idx, axis=0).astype(np.float64))
    gy = randn(*idx_shape, 5, seed=62)
    expected = np.zeros((10, 5))
    np.add.at(expected, idx.reshape(-1), gy.reshape(-1, 5))
    close(K.scatter_add_rows(gy, idx, 10), expected)


def test_scatter_add_rows_accumulates_repeats():
    gy = np.ones((4, 2), np.float32)
    g = K.scatter_add_rows(gy, np.array([1, 1, 3, 1]), 5)
    np.testing.assert_array_equal(g[:, 0], [0, 3, 0, 1, 0])


def test_gather_large_parallel_path():
    table = randn(1000, 64, seed=63)
    idx = rng(64).integers(0, 1000, (50, 40))
    np.testing.assert_array_equal(K.gather_rows(table, idx), table[idx])


@pytest.mark.parametrize("bad", [10, -1, 1000])
def test_gather_and_scatter_out_of_range(bad):
    table = randn(10, 3)
    idx = np.array([[0, 2], [bad, 1]])
    with pytest.raises(IndexError, match=f"index {bad} is out of range"):
        K.gather_rows(table, idx)
    with pytest.raises(IndexError, match=f"index {bad} is out of range"):
        K.scatter_add_rows(np.ones((2, 2, 3), np.float32), idx, 10)


def test_gather_reports_first_bad_index_on_the_parallel_path():
    table = randn(100, 64, seed=65)
    idx = rng(66).integers(0, 100, 5000)
    idx[[2999, 3000, 4000]] = [100, -5, 500]
    with pytest.raises(IndexError, match="index 100 is out of range"):
        K.gather_rows(table, idx)
