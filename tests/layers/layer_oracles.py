"""Plain-numpy oracles for the layer tests, written from the Keras documentation and the
reference README (tests/reference/keras3/README.md), independently of kgen's code: direct
loops over output positions and time steps, float64."""

from __future__ import annotations

import math

import numpy as np


def same_pads(n, k, s, d=1):
    """TensorFlow 'same': total max((ceil(n/s)-1)*s + (k-1)*d+1 - n, 0), the smaller half first."""
    total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def conv(x, w, strides, dilation, pads):
    """Channels-last cross-correlation, one output position at a time. w (*k, cin, cout)."""
    nd = x.ndim - 2
    x = x.astype(np.float64)
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    span = [(w.shape[i] - 1) * dilation[i] + 1 for i in range(nd)]
    out = [(xp.shape[i + 1] - span[i]) // strides[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0], *out, w.shape[-1]))
    for o in np.ndindex(*out):
        window = xp[(slice(None),) + tuple(slice(o[i] * strides[i], o[i] * strides[i] + span[i], dilation[i]) for i in range(nd))]
        y[(slice(None),) + o] = np.tensordot(window, w, axes=(list(range(1, nd + 2)), list(range(nd + 1))))
    return y


def depthwise(x, w, strides, dilation, pads):
    """Each channel c filtered by w[..., c, m] into output channel c*M + m."""
    C, M = w.shape[-2:]
    outs = [conv(x[..., c:c + 1], w[..., c:c + 1, :], strides, dilation, pads) for c in range(C)]
    return np.concatenate(outs, axis=-1)  # channel order c*M + m


def conv_transpose(x, w, strides, dilation, padding):
    """full[i*s + a*d] += x[i] @ w[a].T (w (*k, cout, cin)), then Keras' crop:
    'same' keeps n*s starting at max((k_eff - s) // 2, 0); 'valid' keeps (n-1)*s + max(k_eff, s)
    (zeros past the scattered values when the stride is longer than the kernel)."""
    nd = x.ndim - 2
    spatial = x.shape[1:-1]
    keff = [(w.shape[i] - 1) * dilation[i] + 1 for i in range(nd)]
    full_len = [(spatial[i] - 1) * strides[i] + max(keff[i], strides[i]) for i in range(nd)]
    full = np.zeros((x.shape[0], *full_len, w.shape[-2]))
    for i in np.ndindex(*spatial):
        for a in np.ndindex(*w.shape[:nd]):
            pos = tuple(i[j] * strides[j] + a[j] * dilation[j] for j in range(nd))
            full[(slice(None),) + pos] += x[(slice(None),) + i] @ w[a].T
    if padding == "valid":
        return full
    start = [max((keff[j] - strides[j]) // 2, 0) for j in range(nd)]
    index = tuple(slice(start[j], start[j] + spatial[j] * strides[j]) for j in range(nd))
    return full[(slice(None),) + index]


def pool(x, size, strides, pads, mode):
    """Channels-last pooling over the real cells of each window (padding never counts)."""
    nd = x.ndim - 2
    spatial = x.shape[1:-1]
    out = [(spatial[i] + sum(pads[i]) - size[i]) // strides[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for o in np.ndindex(*out):
        index = []
        for i in range(nd):
            start = o[i] * strides[i] - pads[i][0]
            index.append(slice(max(start, 0), min(start + size[i], spatial[i])))
        window = x[(slice(None),) + tuple(index)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + o] = window.max(axis=1) if mode == "max" else window.mean(axis=1)
    return y


def bilinear_upsample_axis(x, axis, scale):
    """Half-pixel centres, edges clamped: output o samples (o + 0.5)/scale - 0.5."""
    n = x.shape[axis]
    out = []
    for o in range(n * scale):
        src = min(max((o + 0.5) / scale - 0.5, 0.0), n - 1)
        lo = int(math.floor(src))
        hi = min(lo + 1, n - 1)
        frac = src - lo
        out.append((1 - frac) * np.take(x, lo, axis=axis) + frac * np.take(x, hi, axis=axis))
    return np.stack(out, axis=axis)


# ----------------------------------------------------------------------------- recurrent


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def run_rnn(step, x, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """Keras' RNN loop: returns (outputs in processing order (N, T, u), final states)."""
    T = x.shape[1]
    order = range(T - 1, -1, -1) if go_backwards else range(T)
    outputs = []
    for t in order:
        out, new = step(x[:, t].astype(np.float64), states)
        if mask is not None:
            m = mask[:, t][:, None]
            new = [np.where(m, a, b) for a, b in zip(new, states)]
            out = np.where(m, out, 0.0 if zero_output_for_mask else states[0])
        states = new
        outputs.append(out)
    return np.stack(outputs, axis=1), states


def simple_rnn_step(kernel, recurrent, bias, act=np.tanh):
    def step(x, states):
        h = act(x @ kernel + states[0] @ recurrent + bias)
        return h, [h]
    return step


def lstm_step(kernel, recurrent, bias):
    u = recurrent.shape[0]

    def step(x, states):
        h, c = states
        z = x @ kernel + h @ recurrent + bias
        i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        return h, [h, c]
    return step


def gru_step(kernel, recurrent, bias, reset_after=True):
    u = recurrent.shape[0]

    def step(x, states):
        h = states[0]
        if reset_after:
            xz = x @ kernel + bias[0]
            hz = h @ recurrent + bias[1]
            z = sigmoid(xz[:, :u] + hz[:, :u])
            r = sigmoid(xz[:, u:2 * u] + hz[:, u:2 * u])
            hh = np.tanh(xz[:, 2 * u:] + r * hz[:, 2 * u:])
        else:
            xz = x @ kernel + bias
            z = sigmoid(xz[:, :u] + h @ recurrent[:, :u])
            r = sigmoid(xz[:, u:2 * u] + h @ recurrent[:, u:2 * u])
            hh = np.tanh(xz[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
        h = z * h + (1 - z) * hh
        return h, [h]
    return step
