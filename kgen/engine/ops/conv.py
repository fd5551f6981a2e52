"""Convolutions as ops: conv, depthwise_conv, separable_conv, conv_transpose (keras.ops names).

Two primitives carry a backward, both channels-last with 2 or 3 spatial axes and explicit
(before, after) padding per axis: `Conv` (dense cross-correlation, kernel (*k, cin, cout))
and `DepthwiseConv` (kernel (*k, cin, multiplier), output channel c*multiplier + m), plus
`ConvTranspose`, the adjoint of `Conv` (kernel (*k, cout, cin)). Their forward and
gradients run on the device kernels (`conv2d`, `conv2d_grad_input`, ...).

The public functions are compositions around them: 1-D convolutions are 2-D ones over a
height of 1, channels_first is a transpose on each side, Keras' 'same' / 'causal' padding
becomes explicit amounts (`padding_amounts`), `groups` splits the channels.
"""

from __future__ import annotations

import math

import numpy as np

from kgen.engine.ops import shape as sh
from kgen.engine.ops.base import Op, apply, composite


def _kernel(name):
    from kgen.engine import device

    return device.kernel(name)


def _fast(*arrays):
    """float32 everywhere: run the device kernels. Otherwise (float64 gradient checks) numpy."""
    return all(a.dtype == np.float32 for a in arrays)


# --------------------------------------------------------------------------- primitives


class Conv(Op):
    """y = conv(x, w): x (N, *spatial, cin), w (*k, cin, cout); 2 or 3 spatial axes."""

    name = "conv"

    @staticmethod
    def forward(ctx, x, w, strides, dilation, padding):
        ctx.save(x, w)
        if _fast(x, w):
            return _kernel(f"conv{x.ndim - 2}d")(x, w, strides, dilation, padding)
        return np_conv(x, w, strides, dilation, padding)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        nd = x.ndim - 2
        a = ctx.attrs
        args = (a["strides"], a["dilation"], a["padding"])
        if _fast(x, w, g):
            gx = _kernel(f"conv{nd}d_grad_input")(g, w, x.shape, *args)
            gw = _kernel(f"conv{nd}d_grad_weight")(x, g, w.shape, *args)
            return gx, gw
        return np_conv_grad_input(g, w, x.shape, *args), np_conv_grad_weight(x, g, w.shape, *args)


class DepthwiseConv(Op):
    """y[..., c*m + j] = conv(x[..., c], w[..., c, j]): x (N, H, W, cin), w (kh, kw, cin, m)."""

    name = "depthwise_conv"

    @staticmethod
    def forward(ctx, x, w, strides, dilation, padding):
        ctx.save(x, w)
        if _fast(x, w):
            return _kernel("depthwise_conv2d")(x, w, strides, dilation, padding)
        return np_conv(x, w, strides, dilation, padding, depthwise=True)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        a = ctx.attrs
        args = (a["strides"], a["dilation"], a["padding"])
        if _fast(x, w, g):
            gx = _kernel("depthwise_conv2d_grad_input")(g, w, x.shape, *args)
            gw = _kernel("depthwise_conv2d_grad_weight")(x, g, w.shape, *args)
            return gx, gw
        gx = np_conv_grad_input(g, w, x.shape, *args, depthwise=True)
        gw = np_conv_grad_weight(x, g, w.shape, *args, depthwise=True)
        return gx, gw


class ConvTranspose(Op):
    """The adjoint of `Conv`: x (N, *spatial, cin), w (*k, cout, cin) -> (N, *out, cout).

    Every input pixel i spreads `x[i] @ w[a].T` to output position i*s + a*d - crop_before.
    `crops` are (before, after) pairs cut from the full result ((n-1)*s + (k-1)*d + 1 long);
    a negative crop adds zeros instead (the output is longer than the full result).
    """

    name = "conv_transpose"

    @staticmethod
    def forward(ctx, x, w, strides, dilation, crops):
        nd = x.ndim - 2
        pads, extend = _split_crops(crops)
        inner = _transpose_inner_shape(x.shape, w.shape, strides, dilation, crops)
        ctx.save(x, w)
        if _fast(x, w):
            y = _kernel(f"conv{nd}d_grad_input")(x, w, inner, strides, dilation, pads)
        else:
            y = np_conv_grad_input(x, w, inner, strides, dilation, pads)
        if any(e != (0, 0) for e in extend):
            y = np.pad(y, ((0, 0),) + extend + ((0, 0),))
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        nd = x.ndim - 2
        a = ctx.attrs
        pads, extend = _split_crops(a["crops"])
        g = g[(slice(None),) + tuple(slice(lo, g.shape[i + 1] - hi) for i, (lo, hi) in enumerate(extend))]
        g = np.ascontiguousarray(g)
        args = (a["strides"], a["dilation"], pads)
        if _fast(x, w, g):
            return _kernel(f"conv{nd}d")(g, w, *args), _kernel(f"conv{nd}d_grad_weight")(g, x, w.shape, *args)
        return np_conv(g, w, *args), np_conv_grad_weight(g, x, w.shape, *args)


def _split_crops(crops):
    """Crops as non-negative paddings for the kernel, plus zeros to add where a crop is negative."""
    pads = tuple((max(lo, 0), max(hi, 0)) for lo, hi in crops)
    extend = tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in crops)
    return pads, extend


def _transpose_inner_shape(x_shape, w_shape, strides, dilation, crops):
    nd = len(x_shape) - 2
    spatial = []
    for i in range(nd):
        full = (x_shape[i + 1] - 1) * strides[i] + (w_shape[i] - 1) * dilation[i] + 1
        lo, hi = crops[i]
        spatial.append(full - max(lo, 0) - max(hi, 0))
    return (x_shape[0],) + tuple(spatial) + (w_shape[nd],)


# --------------------------------------------------------------------------- numpy path
# The same maths in plain numpy for non-float32 arrays (float64 finite-difference checks):
# a loop over kernel taps, each tap one strided slice of the padded input and one tensordot.


def _tap_slices(taps, out_shape, strides, dilation):
    """For kernel tap `taps`, the slice of the padded input it reads for every output pixel."""
    return (slice(None),) + tuple(
        slice(t * d, t * d + (o - 1) * s + 1, s) for t, o, s, d in zip(taps, out_shape, strides, dilation)
    )


def _out_shape(spatial, kshape, strides, dilation, padding):
    return tuple(
        max((n + lo + hi - (k - 1) * d - 1) // s + 1, 0)
        for n, k, s, d, (lo, hi) in zip(spatial, kshape, strides, dilation, padding)
    )


def _tap_product(window, wt, depthwise):
    if depthwise:  # window (N, .., C), wt (C, M) -> (N, .., C*M), channel c*M + m
        return (window[..., :, None] * wt).reshape(window.shape[:-1] + (-1,))
    return np.tensordot(window, wt, axes=([-1], [0]))


def np_conv(x, w, strides, dilation, padding, depthwise=False):
    nd = x.ndim - 2
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    out = _out_shape(x.shape[1:-1], w.shape[:nd], strides, dilation, padding)
    cout = w.shape[-2] * w.shape[-1] if depthwise else w.shape[-1]
    y = np.zeros((x.shape[0],) + out + (cout,), dtype=np.result_type(x, w))
    for taps in np.ndindex(*w.shape[:nd]):
        y += _tap_product(xp[_tap_slices(taps, out, strides, dilation)], w[taps], depthwise)
    return y


def np_conv_grad_input(g, w, x_shape, strides, dilation, padding, depthwise=False):
    nd = len(x_shape) - 2
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x_shape[1:-1], padding))
    gxp = np.zeros((x_shape[0],) + padded + (x_shape[-1],), dtype=np.result_type(g, w))
    out = g.shape[1:-1]
    for taps in np.ndindex(*w.shape[:nd]):
        if depthwise:
            part = (g.reshape(g.shape[:-1] + w.shape[-2:]) * w[taps]).sum(axis=-1)
        else:
            part = np.tensordot(g, w[taps], axes=([-1], [1]))
        gxp[_tap_slices(taps, out, strides, dilation)] += part
    return gxp[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x_shape[1:-1], padding))]


def np_conv_grad_weight(x, g, w_shape, strides, dilation, padding, depthwise=False):
    nd = x.ndim - 2
    xp = np.pad(x, ((0, 0),) + tuple(padding) + ((0, 0),))
    out = g.shape[1:-1]
    gw = np.zeros(w_shape, dtype=np.result_type(x, g))
    axes = tuple(range(nd + 1))
    for taps in np.ndindex(*w_shape[:nd]):
        window = xp[_tap_slices(taps, out, strides, dilation)]
        if depthwise:
            gw[taps] = (window[..., None] * g.reshape(g.shape[:-1] + tuple(w_shape[-2:]))).sum(axis=axes)
        else:
            gw[taps] = np.tensordot(window, g, axes=(axes, axes))
    return gw


# --------------------------------------------------------------------------- geometry


def _tuple(value, n, what):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"`{what}` needs {n} values (one per spatial axis); received {value}.")
    return value


def padding_amounts(padding, sizes, kernel, strides, dilation):
    """Keras padding ('valid', 'same', 'causal' or explicit pairs) as (before, after) pairs.

    'same' is TensorFlow's rule: output ceil(n/s), total padding
    max((ceil(n/s)-1)*s + (k-1)*d + 1 - n, 0), the smaller half before.
    'causal' (1-D) pads (k-1)*d before, nothing after.
    """
    if not isinstance(padding, str):
        return tuple((int(p), int(p)) if np.ndim(p) == 0 else (int(p[0]), int(p[1])) for p in padding)
    padding = padding.lower()
    out = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            out.append((0, 0))
        elif padding == "same":
            total = max((math.ceil(n / s) - 1) * s + span - n, 0)
            out.append((total // 2, total - total // 2))
        elif padding == "causal":
            out.append((span - 1, 0))
        else:
            raise ValueError(f"padding must be 'valid', 'same' or 'causal'; received padding={padding!r}.")
    return tuple(out)


def conv_output_length(n, k, padding, stride, dilation=1):
    """Output length of a convolution along one axis (None stays None)."""
    if n is None:
        return None
    (lo, hi), = padding_amounts(padding, (n,), (k,), (stride,), (dilation,))
    return max((n + lo + hi - (k - 1) * dilation - 1) // stride + 1, 0)


def transpose_padding(k, stride, dilation, padding, output_padding):
    """Keras' transposed-conv padding as (crop_before, crop_after) of the full result."""
    span = (k - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    elif padding == "same":
        total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, span - 1)
        right = total - left
    else:
        raise ValueError(f"padding must be 'valid' or 'same' for a transposed convolution; received {padding!r}.")
    return span - 1 - left, span - 1 - right


def conv_transpose_output_length(n, k, padding, output_padding, stride, dilation=1):
    if n is None:
        return None
    lo, hi = transpose_padding(k, stride, dilation, padding, output_padding)
    return (n - 1) * stride + (k - 1) * dilation + 1 - lo - hi


# --------------------------------------------------------------------------- public ops


def _to_channels_last(x, data_format):
    if data_format == "channels_first":
        nd = len(x.shape)
        return sh.transpose(x, (0,) + tuple(range(2, nd)) + (1,))
    return x


def _from_channels_last(y, data_format):
    if data_format == "channels_first":
        nd = len(y.shape)
        return sh.transpose(y, (0, nd - 1) + tuple(range(1, nd - 1)))
    return y


def _lift_1d(x, kernel):
    """(N, L, C) and (k, a, b) viewed as 2-D: (N, 1, L, C) and (1, k, a, b)."""
    x = sh.reshape(x, (x.shape[0], 1) + tuple(x.shape[1:]))
    kernel = sh.reshape(kernel, (1,) + tuple(kernel.shape))
    return x, kernel


def _drop_1d(y):
    return sh.reshape(y, (y.shape[0],) + tuple(y.shape[2:]))


def _geometry(x, kernel, strides, padding, dilation_rate):
    nd = len(x.shape) - 2
    strides = _tuple(strides, nd, "strides")
    dilation = _tuple(dilation_rate, nd, "dilation_rate")
    pads = padding_amounts(padding, x.shape[1:-1], kernel.shape[:nd], strides, dilation)
    return nd, strides, dilation, pads


@composite
def conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1, groups=1):
    """N-D convolution (1, 2 or 3 spatial axes), Keras layout: kernel (*k, cin/groups, cout)."""
    x = _to_channels_last(inputs, data_format)
    nd, strides, dilation, pads = _geometry(x, kernel, strides, padding, dilation_rate)
    if groups > 1:
        cin, cout = x.shape[-1] // groups, kernel.shape[-1] // groups
        parts = [
            _conv_channels_last(x[..., g * cin:(g + 1) * cin], kernel[..., g * cout:(g + 1) * cout], nd, strides, dilation, pads)
            for g in range(groups)
        ]
        return _from_channels_last(sh.concatenate(parts, axis=-1), data_format)
    return _from_channels_last(_conv_channels_last(x, kernel, nd, strides, dilation, pads), data_format)


def _conv_channels_last(x, kernel, nd, strides, dilation, pads):
    if nd == 1:
        x, kernel = _lift_1d(x, kernel)
        y = apply(Conv, x, kernel, strides=(1,) + strides, dilation=(1,) + dilation, padding=((0, 0),) + pads)
        return _drop_1d(y)
    if nd not in (2, 3):
        raise ValueError(f"conv supports 1, 2 or 3 spatial axes; received an input of rank {nd + 2}.")
    return apply(Conv, x, kernel, strides=strides, dilation=dilation, padding=pads)


@composite
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    """Depthwise convolution (1 or 2 spatial axes): kernel (*k, cin, multiplier)."""
    x = _to_channels_last(inputs, data_format)
    nd, strides, dilation, pads = _geometry(x, kernel, strides, padding, dilation_rate)
    if nd == 1:
        x, kernel = _lift_1d(x, kernel)
        y = apply(DepthwiseConv, x, kernel, strides=(1,) + strides, dilation=(1,) + dilation, padding=((0, 0),) + pads)
        y = _drop_1d(y)
    elif nd == 2:
        y = apply(DepthwiseConv, x, kernel, strides=strides, dilation=dilation, padding=pads)
    else:
        raise ValueError(f"depthwise_conv supports 1 or 2 spatial axes; received an input of rank {nd + 2}.")
    return _from_channels_last(y, data_format)


@composite
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format="channels_last", dilation_rate=1):
    """Depthwise convolution followed by a 1x1 convolution (pointwise_kernel (*1, cin*m, cout))."""
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


@composite
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format="channels_last", dilation_rate=1):
    """Transposed convolution (1, 2 or 3 spatial axes): kernel (*k, cout, cin), Keras' shape rules."""
    x = _to_channels_last(inputs, data_format)
    nd = len(x.shape) - 2
    strides = _tuple(strides, nd, "strides")
    dilation = _tuple(dilation_rate, nd, "dilation_rate")
    out_pad = (None,) * nd if output_padding is None else _tuple(output_padding, nd, "output_padding")
    crops = tuple(
        transpose_padding(kernel.shape[i], strides[i], dilation[i], padding, out_pad[i]) for i in range(nd)
    )
    if nd == 1:
        x, kernel = _lift_1d(x, kernel)
        y = apply(ConvTranspose, x, kernel, strides=(1,) + strides, dilation=(1,) + dilation, crops=((0, 0),) + crops)
        y = _drop_1d(y)
    elif nd in (2, 3):
        y = apply(ConvTranspose, x, kernel, strides=strides, dilation=dilation, crops=crops)
    else:
        raise ValueError(f"conv_transpose supports 1, 2 or 3 spatial axes; received an input of rank {nd + 2}.")
    return _from_channels_last(y, data_format)
