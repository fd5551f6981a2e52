"""Normalization, noise, activation, embedding, locally connected and TimeDistributed layers
against numpy."""

import numpy as np
import pytest

import layer_oracles as oracle
from kgen.keras import Input, Model, layers

RNG = np.random.default_rng(11)


def _np(t):
    return np.asarray(t.data if hasattr(t, "data") else t)


# ----------------------------------------------------------------------------- normalization


def test_batchnorm_training_uses_batch_statistics_and_updates_moving_ones():
    x = RNG.normal(2.0, 3.0, size=(8, 4, 3)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    bn(x)
    gamma = RNG.uniform(0.5, 1.5, 3).astype("float32")
    beta = RNG.uniform(-0.3, 0.3, 3).astype("float32")
    bn.set_weights([gamma, beta, np.zeros(3, "float32"), np.ones(3, "float32")])
    got = _np(bn(x, training=True))
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    np.testing.assert_allclose(got, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-4, atol=1e-4)
    _, _, moving_mean, moving_var = bn.get_weights()
    np.testing.assert_allclose(moving_mean, 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.9 + 0.1 * var, rtol=1e-5)
    inference = _np(bn(x))
    np.testing.assert_allclose(inference, (x - moving_mean) / np.sqrt(moving_var + 1e-3) * gamma + beta, rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(bn.get_weights()[2], moving_mean)  # inference leaves them alone


def test_batchnorm_channels_first_and_frozen_layer():
    x = RNG.normal(size=(4, 3, 5, 5)).astype("float32")
    bn = layers.BatchNormalization(axis=1)
    got = _np(bn(x, training=True))
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(got, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    bn.trainable = False
    np.testing.assert_allclose(_np(bn(x, training=True)), _np(bn(x, training=False)))
    assert len(bn.trainable_weights) == 0 and len(bn.non_trainable_weights) == 4


def test_layer_normalization():
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    ln = layers.LayerNormalization(axis=[1, 2], epsilon=1e-3)
    ln(x)
    gamma, beta = RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=(3, 4)).astype("float32")
    ln.set_weights([gamma, beta])
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(_np(ln(x)), (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-4, atol=1e-4)
    last = layers.LayerNormalization()
    np.testing.assert_allclose(_np(last(x)), (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3),
                               rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- noise


NOISE = [
    lambda: layers.GaussianNoise(0.5),
    lambda: layers.GaussianDropout(0.4),
    lambda: layers.AlphaDropout(0.3),
    lambda: layers.SpatialDropout1D(0.5),
    lambda: layers.Dropout(0.5),
]


@pytest.mark.parametrize("make", NOISE)
def test_noise_is_identity_at_inference_and_active_in_training(make):
    x = RNG.normal(size=(64, 10, 8)).astype("float32")
    layer = make()
    np.testing.assert_array_equal(_np(layer(x)), x)
    np.testing.assert_array_equal(_np(layer(x, training=False)), x)
    inp = Input(shape=(10, 8))
    model = Model(inp, layer(inp))
    np.testing.assert_array_equal(model.predict(x), x)
    noisy = _np(layer(x, training=True))
    assert noisy.shape == x.shape and not np.allclose(noisy, x)


def test_noise_statistics():
    x = np.ones((400, 50), "float32")
    np.testing.assert_allclose(_np(layers.GaussianNoise(0.5)(x, training=True)).std(), 0.5, rtol=0.05)
    gd = _np(layers.GaussianDropout(0.2)(x, training=True))
    np.testing.assert_allclose([gd.mean(), gd.std()], [1.0, np.sqrt(0.2 / 0.8)], rtol=0.05)
    # AlphaDropout keeps zero mean and unit variance of standard normal inputs
    z = RNG.normal(size=(400, 50)).astype("float32")
    ad = _np(layers.AlphaDropout(0.2)(z, training=True))
    assert abs(ad.mean()) < 0.05 and abs(ad.std() - 1) < 0.05


@pytest.mark.parametrize("cls, shape, kept_axes", [
    (layers.SpatialDropout1D, (8, 5, 6), (0, 2)),
    (layers.SpatialDropout2D, (8, 4, 4, 6), (0, 3)),
    (layers.SpatialDropout3D, (8, 2, 3, 2, 6), (0, 4)),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, kept_axes):
    x = np.ones(shape, "float32")
    y = _np(cls(0.5)(x, training=True))
    other = tuple(a for a in range(len(shape)) if a not in kept_axes)
    per_channel = y.min(axis=other) == y.max(axis=other)  # constant over the spatial axes
    assert per_channel.all() and set(np.unique(y)) <= {0.0, 2.0}


def test_activity_regularization_adds_a_loss_only_in_training():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    x = RNG.normal(size=(3, 4)).astype("float32")
    np.testing.assert_array_equal(_np(layer(x)), x)
    assert layer.losses == []
    layer(x, training=True)
    (loss,) = layer.losses
    np.testing.assert_allclose(float(_np(loss)), 0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum(), rtol=1e-5)


# ----------------------------------------------------------------------------- activations


def test_advanced_activations():
    # ReLU follows Keras 3's code: x passes where x > threshold (strictly), as keras.activations.relu
    x = np.linspace(-3, 8, 23, dtype="float32").reshape(1, -1)
    np.testing.assert_allclose(_np(layers.ReLU(max_value=6, negative_slope=0.1, threshold=1.0)(x)),
                               np.where(x >= 6, 6, np.where(x > 1, x, 0.1 * (x - 1))), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(layers.LeakyReLU()(x)), np.where(x >= 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(_np(layers.LeakyReLU(alpha=0.1)(x)), np.where(x >= 0, x, 0.1 * x), rtol=1e-6)
    np.testing.assert_allclose(_np(layers.ELU(alpha=0.5)(x)), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(_np(layers.ThresholdedReLU(theta=2.0)(x)), np.where(x > 2, x, 0), rtol=1e-6)
    y = RNG.normal(size=(2, 3, 4)).astype("float32")
    e = np.exp(y - y.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(_np(layers.Softmax(axis=[1, 2])(y)), e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-5)
    mask = np.array([[True, False, True, True]] * 3)[None].repeat(2, 0)
    masked = _np(layers.Softmax()(y, mask=mask))
    assert np.allclose(masked[..., 1], 0) and np.allclose(masked.sum(-1), 1)


def test_prelu_shared_axes_and_errors():
    prelu = layers.PReLU(shared_axes=[1, 2])
    x = RNG.normal(size=(2, 4, 4, 3)).astype("float32")
    prelu(x)
    alpha = np.array([[[0.1, 0.2, 0.3]]], "float32")
    prelu.set_weights([alpha])
    np.testing.assert_allclose(_np(prelu(x)), np.where(x >= 0, x, alpha * x), rtol=1e-6)
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[4])(x)


# ----------------------------------------------------------------------------- embedding, locally connected, wrappers


def test_embedding_lookup_mask_and_out_of_range_error():
    emb = layers.Embedding(10, 3, mask_zero=True)
    ids = np.array([[1, 0, 9], [0, 0, 2]])
    y = emb(ids)
    np.testing.assert_array_equal(_np(y), emb.get_weights()[0][ids])
    np.testing.assert_array_equal(y._keras_mask, ids != 0)
    with pytest.raises(IndexError, match="input_dim"):
        emb(np.array([[10]]))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_locally_connected2d_matches_per_position_loops(data_format):
    x = RNG.normal(size=(2, 6, 5, 3)).astype("float32")
    layer = layers.LocallyConnected2D(4, (3, 2), strides=(2, 1), data_format=data_format, activation="relu")
    feed = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    layer(feed)
    kernel = RNG.normal(size=layer.get_weights()[0].shape).astype("float32")
    bias = RNG.normal(size=layer.get_weights()[1].shape).astype("float32")
    layer.set_weights([kernel, bias])
    rows, cols = (6 - 3) // 2 + 1, (5 - 2) + 1
    want = np.zeros((2, rows, cols, 4))
    for i in range(rows):
        for j in range(cols):
            window = x[:, 2 * i:2 * i + 3, j:j + 2, :]  # (N, kh, kw, C)
            if data_format == "channels_first":
                window = np.moveaxis(window, -1, 1)  # Keras 2 flattens (C, kh, kw) for channels_first
            want[:, i, j] = window.reshape(2, -1) @ kernel[i * cols + j] + bias[i, j]
    want = np.maximum(want, 0)
    got = _np(layer(feed))
    np.testing.assert_allclose(got if data_format == "channels_last" else np.moveaxis(got, 1, -1), want, rtol=1e-4,
                               atol=1e-4)


def test_locally_connected1d_matches_per_position_loops():
    x = RNG.normal(size=(2, 9, 3)).astype("float32")
    layer = layers.LocallyConnected1D(4, 3, strides=2)
    layer(x)
    kernel, bias = (RNG.normal(size=w.shape).astype("float32") for w in layer.get_weights())
    layer.set_weights([kernel, bias])
    want = np.stack([x[:, 2 * p:2 * p + 3].reshape(2, -1) @ kernel[p] + bias[p] for p in range(4)], axis=1)
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="padding='valid'"):
        layers.LocallyConnected1D(4, 3, padding="same")


def test_time_distributed_conv2d_equals_per_step_calls():
    x = RNG.normal(size=(2, 3, 6, 6, 2)).astype("float32")
    conv = layers.Conv2D(4, 3, padding="same")
    td = layers.TimeDistributed(conv)
    got = _np(td(x))
    kernel, bias = conv.get_weights()
    pads = [oracle.same_pads(6, 3, 1)] * 2
    want = np.stack([oracle.conv(x[:, t], kernel, (1, 1), (1, 1), pads) + bias for t in range(3)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert td.weights == conv.weights


def test_time_distributed_errors_on_missing_time_axis():
    with pytest.raises(ValueError, match="time_distributed.*timesteps"):
        layers.TimeDistributed(layers.Dense(3), name="time_distributed_x")(Input(shape=(4,)))
