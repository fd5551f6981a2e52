"""Pooling, cropping, zero padding and upsampling against numpy (1-D/2-D/3-D, channels_first)."""

import numpy as np
import pytest

import layer_oracles as oracle
from kgen.keras import Input, Model, layers

RNG = np.random.default_rng(7)


def _run(layer, x, **kwargs):
    y = layer(x, **kwargs)
    return np.asarray(y.data if hasattr(y, "data") else y)


POOLS = [
    (layers.MaxPooling1D, (9, 3), dict(pool_size=3, strides=2, padding="same")),
    (layers.AveragePooling1D, (9, 3), dict(pool_size=2, strides=1, padding="valid")),
    (layers.MaxPooling2D, (7, 6, 2), dict(pool_size=(3, 2), strides=(2, 2), padding="same")),
    (layers.AveragePooling2D, (7, 6, 2), dict(pool_size=3, strides=2, padding="same")),
    (layers.MaxPooling3D, (5, 4, 5, 2), dict(pool_size=2, padding="valid")),
    (layers.AveragePooling3D, (5, 4, 5, 2), dict(pool_size=(2, 3, 2), strides=2, padding="same")),
]


@pytest.mark.parametrize("cls, shape, kwargs", POOLS)
def test_pooling_matches_windows_of_real_cells(cls, shape, kwargs):
    layer = cls(**kwargs)
    x = RNG.normal(size=(2,) + shape).astype("float32")
    nd = len(shape) - 1
    size = layer.pool_size
    strides = layer.strides
    if kwargs["padding"] == "same":
        pads = [oracle.same_pads(n, k, s) for n, k, s in zip(shape[:-1], size, strides)]
    else:
        pads = [(0, 0)] * nd
    mode = "max" if "Max" in cls.__name__ else "avg"
    want = oracle.pool(x, size, strides, pads, mode)
    np.testing.assert_allclose(_run(layer, x), want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None,) + shape) == (None,) + want.shape[1:]


def test_pooling_channels_first():
    x = RNG.normal(size=(2, 3, 7, 6)).astype("float32")
    got = _run(layers.AveragePooling2D(3, strides=2, padding="same", data_format="channels_first"), x)
    pads = [oracle.same_pads(7, 3, 2), oracle.same_pads(6, 3, 2)]
    want = oracle.pool(np.moveaxis(x, 1, -1), (3, 3), (2, 2), pads, "avg")
    np.testing.assert_allclose(got, np.moveaxis(want, -1, 1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(rank, keepdims):
    shape = (2,) + (4, 3, 2)[:rank] + (5,)
    x = RNG.normal(size=shape).astype("float32")
    axes = tuple(range(1, rank + 1))
    gmax = getattr(layers, f"GlobalMaxPooling{rank}D")(keepdims=keepdims)
    gavg = getattr(layers, f"GlobalAveragePooling{rank}D")(keepdims=keepdims)
    np.testing.assert_allclose(_run(gmax, x), x.max(axis=axes, keepdims=keepdims), rtol=1e-6)
    np.testing.assert_allclose(_run(gavg, x), x.mean(axis=axes, keepdims=keepdims), rtol=1e-5, atol=1e-6)
    first = getattr(layers, f"GlobalAveragePooling{rank}D")(data_format="channels_first")
    np.testing.assert_allclose(_run(first, np.moveaxis(x, -1, 1)), x.mean(axis=axes), rtol=1e-5, atol=1e-6)


def test_global_average_pooling1d_skips_masked_steps():
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 0]])
    inp = Input(shape=(4,), dtype="int32")
    emb = layers.Embedding(5, 3, mask_zero=True)
    model = Model(inp, layers.GlobalAveragePooling1D()(emb(inp)))
    table = emb.get_weights()[0]
    want = np.stack([table[[3, 1]].mean(axis=0), table[[2, 2, 2]].mean(axis=0)])
    np.testing.assert_allclose(model.predict(ids), want, rtol=1e-5, atol=1e-6)


def test_cropping_and_padding_3d_and_channels_first():
    x = RNG.normal(size=(2, 5, 6, 4, 3)).astype("float32")
    crop = _run(layers.Cropping3D(((1, 2), (0, 3), (1, 1))), x)
    np.testing.assert_array_equal(crop, x[:, 1:3, 0:3, 1:3])
    pad = _run(layers.ZeroPadding3D(((1, 0), (2, 1), (0, 2))), x)
    np.testing.assert_array_equal(pad, np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 2), (0, 0))))
    x2 = RNG.normal(size=(2, 3, 6, 5)).astype("float32")
    np.testing.assert_array_equal(_run(layers.Cropping2D((1, 2), data_format="channels_first"), x2), x2[:, :, 1:5, 2:3])
    np.testing.assert_array_equal(_run(layers.ZeroPadding2D(1, data_format="channels_first"), x2),
                                  np.pad(x2, ((0, 0), (0, 0), (1, 1), (1, 1))))
    np.testing.assert_array_equal(_run(layers.ZeroPadding1D(2), x2[:, 0]), np.pad(x2[:, 0], ((0, 0), (2, 2), (0, 0))))


def test_cropping_everything_is_an_error():
    with pytest.raises(ValueError, match="cropping2d_all.*removes everything"):
        layers.Cropping2D(((3, 3), (0, 0)), name="cropping2d_all")(Input(shape=(6, 6, 1)))


def test_upsampling_nearest_3d_and_channels_first():
    x = RNG.normal(size=(1, 2, 3, 2, 2)).astype("float32")
    got = _run(layers.UpSampling3D((2, 1, 3)), x)
    np.testing.assert_array_equal(got, x.repeat(2, axis=1).repeat(3, axis=3))
    x2 = RNG.normal(size=(1, 2, 3, 4)).astype("float32")
    got = _run(layers.UpSampling2D((2, 3), data_format="channels_first"), x2)
    np.testing.assert_array_equal(got, x2.repeat(2, axis=2).repeat(3, axis=3))


def test_upsampling_bilinear_matches_half_pixel_oracle():
    x = RNG.normal(size=(2, 3, 5, 2)).astype("float32")
    got = _run(layers.UpSampling2D((3, 2), interpolation="bilinear"), x)
    want = oracle.bilinear_upsample_axis(oracle.bilinear_upsample_axis(x.astype(np.float64), 1, 3), 2, 2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
