"""Convolution layers against direct numpy loops (layer_oracles), for what the Keras reference
data does not cover: channels_first, Conv3D, causal, dilation, groups, the 1-D and 3-D
transposed convolutions, separable/depthwise 1-D; plus the teaching errors."""

import numpy as np
import pytest

import layer_oracles as oracle
from kgen.keras import Input, layers

RNG = np.random.default_rng(42)


def _run(layer, x):
    y = layer(x)
    return np.asarray(y.data if hasattr(y, "data") else y)


def _randomize(layer):
    layer.set_weights([RNG.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    return layer.get_weights()


def _pads(spatial, kernel, strides, dilation, padding):
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    if padding == "causal":
        return [((kernel[0] - 1) * dilation[0], 0)]
    return [oracle.same_pads(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]


CONV_CASES = [
    # (class, input shape without batch, kwargs)
    (layers.Conv1D, (11, 3), dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2)),
    (layers.Conv1D, (11, 3), dict(filters=4, kernel_size=4, strides=3, padding="same")),
    (layers.Conv2D, (9, 8, 2), dict(filters=3, kernel_size=(3, 2), dilation_rate=(2, 1), padding="same")),
    (layers.Conv2D, (9, 8, 4), dict(filters=6, kernel_size=3, groups=2, padding="valid")),
    (layers.Conv3D, (5, 6, 4, 2), dict(filters=3, kernel_size=(2, 3, 2), strides=(1, 2, 1), padding="same")),
    (layers.Conv3D, (5, 5, 5, 1), dict(filters=2, kernel_size=3, dilation_rate=2)),
]


@pytest.mark.parametrize("cls, shape, kwargs", CONV_CASES)
def test_conv_matches_direct_loops(cls, shape, kwargs):
    layer = cls(activation="relu", **kwargs)
    x = RNG.normal(size=(2,) + shape).astype("float32")
    layer(x)
    kernel, bias = _randomize(layer)
    nd = len(shape) - 1
    strides, dilation = layer.strides, layer.dilation_rate
    pads = _pads(shape[:-1], kernel.shape[:nd], strides, dilation, kwargs.get("padding", "valid"))
    groups = kwargs.get("groups", 1)
    cin, cout = shape[-1] // groups, kernel.shape[-1] // groups
    want = np.concatenate([
        oracle.conv(x[..., g * cin:(g + 1) * cin], kernel[..., g * cout:(g + 1) * cout], strides, dilation, pads)
        for g in range(groups)
    ], axis=-1)
    np.testing.assert_allclose(_run(layer, x), np.maximum(want + bias, 0), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cls, shape", [(layers.Conv1D, (3, 9)), (layers.Conv2D, (3, 7, 6)), (layers.Conv3D, (2, 4, 5, 3))])
def test_channels_first_is_channels_last_transposed(cls, shape):
    x = RNG.normal(size=(2,) + shape).astype("float32")
    first = cls(4, 2, strides=2 if cls is not layers.Conv3D else 1, padding="same", data_format="channels_first")
    y = _run(first, x)
    kernel, bias = first.get_weights()
    last_x = np.moveaxis(x, 1, -1)
    nd = len(shape) - 1
    pads = _pads(last_x.shape[1:-1], kernel.shape[:nd], first.strides, first.dilation_rate, "same")
    want = oracle.conv(last_x, kernel, first.strides, first.dilation_rate, pads) + bias
    np.testing.assert_allclose(y, np.moveaxis(want, -1, 1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "cls, shape, kwargs",
    [
        (layers.Conv1DTranspose, (5, 2), dict(filters=3, kernel_size=3, strides=2, padding="valid")),
        (layers.Conv1DTranspose, (5, 2), dict(filters=3, kernel_size=4, strides=2, padding="same")),
        (layers.Conv1DTranspose, (4, 2), dict(filters=2, kernel_size=2, strides=3, padding="valid")),
        (layers.Conv2DTranspose, (3, 4, 2), dict(filters=3, kernel_size=(3, 2), strides=(2, 3), padding="same")),
        (layers.Conv2DTranspose, (3, 3, 2), dict(filters=2, kernel_size=3, dilation_rate=2, padding="valid")),
        (layers.Conv3DTranspose, (2, 3, 2, 2), dict(filters=2, kernel_size=3, strides=2, padding="same")),
        (layers.Conv3DTranspose, (2, 2, 2, 1), dict(filters=2, kernel_size=2, strides=(1, 2, 3), padding="valid")),
    ],
)
def test_conv_transpose_matches_scatter(cls, shape, kwargs):
    layer = cls(**kwargs)
    x = RNG.normal(size=(2,) + shape).astype("float32")
    layer(x)
    kernel, bias = _randomize(layer)
    want = oracle.conv_transpose(x, kernel, layer.strides, layer.dilation_rate, kwargs["padding"]) + bias
    got = _run(layer, x)
    assert got.shape == want.shape
    assert layer.compute_output_shape((None,) + shape) == (None,) + want.shape[1:]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_channels_first():
    x = RNG.normal(size=(2, 2, 3, 4)).astype("float32")
    layer = layers.Conv2DTranspose(3, 3, strides=2, padding="same", data_format="channels_first")
    got = _run(layer, x)
    kernel, bias = layer.get_weights()
    want = oracle.conv_transpose(np.moveaxis(x, 1, -1), kernel, (2, 2), (1, 1), "same") + bias
    np.testing.assert_allclose(got, np.moveaxis(want, -1, 1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("rank", [1, 2])
def test_depthwise_and_separable(rank):
    shape = (9, 3) if rank == 1 else (7, 6, 3)
    x = RNG.normal(size=(2,) + shape).astype("float32")
    Depthwise = layers.DepthwiseConv1D if rank == 1 else layers.DepthwiseConv2D
    Separable = layers.SeparableConv1D if rank == 1 else layers.SeparableConv2D
    dw = Depthwise(3, depth_multiplier=2, strides=2, padding="same")
    got = _run(dw, x)
    kernel, bias = _randomize(dw)
    got = _run(dw, x)
    pads = _pads(shape[:-1], kernel.shape[:rank], dw.strides, dw.dilation_rate, "same")
    np.testing.assert_allclose(got, oracle.depthwise(x, kernel, dw.strides, dw.dilation_rate, pads) + bias,
                               rtol=1e-4, atol=1e-4)

    sep = Separable(5, 3, depth_multiplier=2, dilation_rate=2)
    sep(x)
    depth, point, bias = _randomize(sep)
    mid = oracle.depthwise(x, depth, (1,) * rank, (2,) * rank, [(0, 0)] * rank)
    want = oracle.conv(mid, point, (1,) * rank, (1,) * rank, [(0, 0)] * rank) + bias
    np.testing.assert_allclose(_run(sep, x), want, rtol=1e-4, atol=1e-4)


def test_default_weight_layouts_and_initial_values():
    layer = layers.Conv2D(4, (3, 2))
    layer(np.zeros((1, 5, 5, 3), "float32"))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 4) and bias.shape == (4,) and not bias.any()
    limit = np.sqrt(6 / (3 * 2 * 3 + 3 * 2 * 4))  # glorot_uniform
    assert np.abs(kernel).max() <= limit


# ----------------------------------------------------------------------------- errors


def test_wrong_rank_names_layer_expected_and_received():
    conv = layers.Conv2D(8, 3, name="my_conv")
    with pytest.raises(ValueError) as info:
        conv(Input(shape=(28, 28)))
    message = str(info.value)
    assert "my_conv" in message and "expected ndim=4" in message and "(None, 28, 28)" in message


def test_wrong_channels_after_build_names_layer_and_shapes():
    conv = layers.Conv1D(4, 3, name="seq_conv")
    conv(np.zeros((2, 10, 3), "float32"))
    with pytest.raises(ValueError) as info:
        conv(np.zeros((2, 10, 5), "float32"))
    message = str(info.value)
    assert "seq_conv" in message and "value 3" in message and "(2, 10, 5)" in message


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters"):
        layers.Conv1D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
