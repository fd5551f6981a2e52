"""Backward rules of the layer catalogue's ops (conv, pool, upsample, recurrent scans):
float64 gradients against central finite differences, and the float32 kernel path's
gradients against the float64 ones."""

import numpy as np
import pytest

from kgen.engine import ops
from kgen.engine.tensor import Tensor, gradients

RNG = np.random.default_rng(5)
MASK = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)
RMASK = RNG.uniform(0.5, 1.5, size=(2, 3))

CASES = {
    "conv2d_same_s2": (lambda x, w: ops.conv(x, w, strides=2, padding="same"), [(2, 5, 6, 3), (3, 3, 3, 2)]),
    "conv2d_dilated": (lambda x, w: ops.conv(x, w, padding="same", dilation_rate=2), [(2, 5, 6, 3), (3, 2, 3, 2)]),
    "conv1d_causal": (lambda x, w: ops.conv(x, w, padding="causal", dilation_rate=2), [(2, 7, 3), (3, 3, 2)]),
    "conv3d": (lambda x, w: ops.conv(x, w, strides=(1, 2, 1), padding="same"), [(1, 3, 4, 3, 2), (2, 3, 2, 2, 2)]),
    "conv_groups": (lambda x, w: ops.conv(x, w, groups=2), [(2, 5, 5, 4), (3, 3, 2, 4)]),
    "conv_channels_first": (lambda x, w: ops.conv(x, w, data_format="channels_first", padding="same"),
                            [(2, 3, 5, 5), (3, 3, 3, 2)]),
    "depthwise2d": (lambda x, w: ops.depthwise_conv(x, w, strides=2, padding="same"), [(2, 5, 6, 3), (3, 3, 3, 2)]),
    "depthwise1d": (lambda x, w: ops.depthwise_conv(x, w, padding="same"), [(2, 5, 3), (3, 3, 2)]),
    "transpose2d_same": (lambda x, w: ops.conv_transpose(x, w, strides=2, padding="same"), [(2, 3, 4, 3), (3, 3, 2, 3)]),
    "transpose2d_long_stride": (lambda x, w: ops.conv_transpose(x, w, strides=3), [(2, 3, 4, 3), (2, 2, 2, 3)]),
    "transpose1d": (lambda x, w: ops.conv_transpose(x, w, strides=2), [(2, 3, 3), (3, 2, 3)]),
    "transpose3d": (lambda x, w: ops.conv_transpose(x, w, strides=2, padding="same"), [(1, 2, 3, 2, 3), (3, 3, 2, 2, 3)]),
    "max_pool2d": (lambda x: ops.max_pool(x, 2, padding="same"), [(2, 5, 5, 3)]),
    "avg_pool2d": (lambda x: ops.average_pool(x, 3, strides=2, padding="same"), [(2, 5, 5, 3)]),
    "max_pool3d": (lambda x: ops.max_pool(x, (2, 2, 2), strides=1), [(1, 3, 3, 3, 2)]),
    "avg_pool1d": (lambda x: ops.average_pool(x, 2, padding="same"), [(2, 5, 3)]),
    "bilinear": (lambda x: ops.upsample(x, (2, 3), (1, 2), "bilinear"), [(2, 3, 4, 2)]),
    "simple_rnn_scan": (lambda xp, u, h: ops.simple_rnn_scan(xp, u, h, mask=MASK, rmask=RMASK),
                        [(2, 4, 3), (3, 3), (2, 3)]),
    "simple_rnn_relu": (lambda xp, u, h: ops.simple_rnn_scan(xp, u, h, activation="relu"), [(2, 4, 3), (3, 3), (2, 3)]),
    "lstm_scan": (lambda xp, u, h, c: ops.lstm_scan(xp, u, h, c, mask=MASK, rmask=RMASK),
                  [(2, 4, 12), (3, 12), (2, 3), (2, 3)]),
    "lstm_hard_sigmoid": (lambda xp, u, h, c: ops.lstm_scan(xp, u, h, c, recurrent_activation="hard_sigmoid"),
                          [(2, 4, 12), (3, 12), (2, 3), (2, 3)]),
    "gru_scan_reset_after": (lambda xp, u, b, h: ops.gru_scan(xp, u, b, h, mask=MASK, rmask=RMASK),
                             [(2, 4, 9), (3, 9), (9,), (2, 3)]),
    "gru_scan_reset_before": (lambda xp, u, b, h: ops.gru_scan(xp, u, b, h, reset_after=False, mask=MASK, rmask=RMASK),
                              [(2, 4, 9), (3, 9), (9,), (2, 3)]),
}


def _numeric_grad(f, arrays, k, eps=1e-6):
    x = arrays[k]
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(*arrays)
        x[i] = old - eps
        down = f(*arrays)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_against_finite_differences(name):
    fn, shapes = CASES[name]
    arrays = [RNG.normal(size=s) for s in shapes]
    seed = RNG.normal(size=np.shape(fn(*arrays)))
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    grads = gradients(ops.sum(ops.multiply(fn(*tensors), seed)), tensors)

    def objective(*a):
        return float((np.asarray(fn(*a)) * seed).sum())

    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, _numeric_grad(objective, [a.copy() for a in arrays], k), rtol=1e-5, atol=1e-7)

    tensors32 = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out32 = fn(*tensors32)
    assert out32.dtype == np.float32
    grads32 = gradients(ops.sum(ops.multiply(out32, seed.astype(np.float32))), tensors32)
    for g32, g in zip(grads32, grads):
        np.testing.assert_allclose(g32, g, rtol=1e-3, atol=1e-4 * np.abs(g).max())
