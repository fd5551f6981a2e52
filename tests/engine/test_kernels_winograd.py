"""Winograd F(2x2, 3x3) conv2d path against a float64 oracle and against the im2col path.

The oracle is the same independent tap-sum used by test_kernels_cpu.py (no im2col, no
Winograd): explicit padding, then one strided slice @ w[kh, kw] per kernel tap, in float64.
Weights are glorot-uniform scaled (as Keras initialises Conv2D), inputs N(0, 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from kgen.engine.kernels import cpu as K
from kgen.engine.kernels.cpu import conv, winograd

RTOL = 1e-5
ATOL = 1e-5


def conv_oracle(x, w, padding):
    """3x3, stride 1 cross-correlation of NHWC x in float64."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    Ho = xp.shape[1] - 2
    Wo = xp.shape[2] - 2
    y = np.zeros((x.shape[0], max(Ho, 0), max(Wo, 0), w.shape[3]))
    if y.size == 0:
        return y
    for kh in range(3):
        for kw in range(3):
            y += xp[:, kh : kh + Ho, kw : kw + Wo] @ w[kh, kw]
    return y


def glorot(rng, cin, cout):
    limit = np.sqrt(6.0 / (9 * cin + 9 * cout))
    return rng.uniform(-limit, limit, (3, 3, cin, cout)).astype(np.float32)


def im2col_conv2d(x, w, padding):
    """The im2col path of `conv2d`, whatever the Winograd dispatch would pick."""
    return conv._conv2d_im2col(np.asarray(x, np.float32), np.asarray(w, np.float32), (1, 1), (1, 1), padding)


PADDINGS = [
    ((1, 1), (1, 1)),  # 'same'
    ((0, 0), (0, 0)),  # 'valid'
    ((0, 1), (0, 1)),  # asymmetric (TF 'same' for even sizes with stride 2 style)
    ((1, 0), (0, 1)),
    ((2, 1), (0, 3)),  # more padding than the kernel needs on one side
]


@pytest.mark.parametrize("seed", range(24))
def test_winograd_random_shapes_against_oracle(seed):
    rng = np.random.default_rng(1000 + seed)
    N = int(rng.integers(1, 10))
    H = int(rng.integers(1, 14))
    W = int(rng.integers(1, 14))
    cin = int(rng.integers(1, 41))
    cout = int(rng.integers(1, 41))
    padding = PADDINGS[seed % len(PADDINGS)]
    x = rng.standard_normal((N, H, W, cin)).astype(np.float32)
    w = glorot(rng, cin, cout)
    expected = conv_oracle(x, w, padding)
    y = winograd.conv2d_winograd(x, w, padding)
    assert y.dtype == np.float32
    assert y.shape == expected.shape, (y.shape, expected.shape)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
    # direct comparison with the im2col path (both float32)
    if y.size:
        np.testing.assert_allclose(y, im2col_conv2d(x, w, padding), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("H,W", [(1, 1), (2, 2), (3, 3), (4, 5), (5, 4), (7, 7), (8, 8), (9, 2)])
@pytest.mark.parametrize("padding", PADDINGS)
def test_winograd_odd_and_tiny_sizes(H, W, padding):
    rng = np.random.default_rng(H * 31 + W)
    x = rng.standard_normal((2, H, W, 3)).astype(np.float32)
    w = glorot(rng, 3, 5)
    expected = conv_oracle(x, w, padding)
    y = winograd.conv2d_winograd(x, w, padding)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape", [(8, 32, 32, 16, 32), (2, 17, 15, 64, 48), (1, 12, 12, 128, 8)])
def test_winograd_benchmark_sized_error(shape):
    """The benchmark problem and wider channel counts: max error stays ~1e-6."""
    N, H, W, cin, cout = shape
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, H, W, cin)).astype(np.float32)
    w = glorot(rng, cin, cout)
    padding = ((1, 1), (1, 1))
    expected = conv_oracle(x, w, padding)
    y = winograd.conv2d_winograd(x, w, padding)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
    assert np.abs(y - expected).max() < 5e-6


def test_winograd_batch_chunking(monkeypatch):
    """A tiny V + M budget forces one-image chunks; results must not change."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 9, 7, 6)).astype(np.float32)
    w = glorot(rng, 6, 4)
    padding = ((1, 1), (1, 1))
    y_full = winograd.conv2d_winograd(x, w, padding)
    monkeypatch.setattr(winograd, "WINO_BUDGET_BYTES", 1)
    y_chunked = winograd.conv2d_winograd(x, w, padding)
    np.testing.assert_array_equal(y_chunked, y_full)
    np.testing.assert_allclose(y_full, conv_oracle(x, w, padding), rtol=RTOL, atol=ATOL)


def test_winograd_image_over_budget_not_cached(monkeypatch):
    """One image over the V + M budget: computed with uncached buffers, workspace untouched."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 10, 10, 4)).astype(np.float32)
    w = glorot(rng, 4, 4)
    padding = ((1, 1), (1, 1))
    winograd.conv2d_winograd(x[:1], w, padding)  # something cached
    before = {k: id(v) for k, v in vars(winograd._workspace).items()}
    monkeypatch.setattr(winograd, "WINO_BUDGET_BYTES", 1)
    big = rng.standard_normal((2, 30, 30, 4)).astype(np.float32)
    y = winograd.conv2d_winograd(big, w, padding)
    np.testing.assert_allclose(y, conv_oracle(big, w, padding), rtol=RTOL, atol=ATOL)
    assert {k: id(v) for k, v in vars(winograd._workspace).items()} == before


def test_winograd_reuses_workspace_safely():
    """Back-to-back calls of different sizes (workspace grown, then sliced) stay correct."""
    rng = np.random.default_rng(4)
    for N, H, W, cin, cout in [(3, 20, 20, 8, 8), (1, 5, 6, 2, 3), (4, 11, 9, 12, 7)]:
        x = rng.standard_normal((N, H, W, cin)).astype(np.float32)
        w = glorot(rng, cin, cout)
        padding = ((1, 1), (1, 1))
        y = winograd.conv2d_winograd(x, w, padding)
        np.testing.assert_allclose(y, conv_oracle(x, w, padding), rtol=RTOL, atol=ATOL)


def test_winograd_declines_non_finite():
    """inf / NaN in x or w: Winograd would smear NaN over whole tiles, so it declines (None)
    and the public conv2d gives the direct (IEEE) result."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 8, 8, 16)).astype(np.float32)
    w = glorot(rng, 16, 16)
    padding = ((1, 1), (1, 1))
    for bad in (np.inf, -np.inf, np.nan):
        xb = x.copy()
        xb[1, 3, 4, 5] = bad
        assert winograd.conv2d_winograd(xb, w, padding) is None
        wb = w.copy()
        wb[1, 1, 2, 3] = bad
        assert winograd.conv2d_winograd(x, wb, padding) is None
    xb = x.copy()
    xb[1, 3, 4, 5] = np.inf
    y = K.conv2d(xb, w, (1, 1), (1, 1), padding)
    ref = im2col_conv2d(xb, w, padding)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))


def test_conv2d_dispatch(monkeypatch):
    """The public conv2d takes the Winograd path only for 3x3 / stride 1 / dilation 1 and
    big enough problems; both paths agree with the oracle."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 32, 32, 16)).astype(np.float32)
    w = glorot(rng, 16, 32)
    padding = ((1, 1), (1, 1))
    use = conv._use_winograd
    assert use(x.shape, w.shape, (1, 1), (1, 1), padding)  # the benchmark problem
    assert not use(x.shape, w.shape, (2, 2), (1, 1), padding)
    assert not use(x.shape, w.shape, (1, 1), (2, 2), padding)
    assert not use(x.shape, (5, 5, 16, 32), (1, 1), (1, 1), padding)
    assert not use((8, 32, 32, 1), (3, 3, 1, 32), (1, 1), (1, 1), padding)  # Cin = 1
    assert not use((1, 4, 4, 2), (3, 3, 2, 2), (1, 1), (1, 1), padding)  # tiny
    assert not use((8, 8, 8, 128), (3, 3, 128, 128), (1, 1), (1, 1), padding)  # few tiles

    calls = []
    real = winograd.conv2d_winograd

    def spy(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(winograd, "conv2d_winograd", spy)
    y = K.conv2d(x, w, (1, 1), (1, 1), padding)
    assert calls, "benchmark-sized 3x3 conv did not take the Winograd path"
    np.testing.assert_allclose(y, conv_oracle(x, w, padding), rtol=RTOL, atol=ATOL)
    calls.clear()
    y2 = K.conv2d(x, w, (2, 2), (1, 1), padding)
    assert not calls
    assert y2.shape == (8, 16, 16, 32)


def test_conv2d_float64_noncontiguous_input_on_winograd_path():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((8, 64, 32, 16))[:, ::2]  # float64, strided
    w = glorot(rng, 16, 32).astype(np.float64)
    padding = ((1, 1), (1, 1))
    y = K.conv2d(x, w, (1, 1), (1, 1), padding)
    assert y.dtype == np.float32
    expected = conv_oracle(x.astype(np.float32), w.astype(np.float32), padding)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
