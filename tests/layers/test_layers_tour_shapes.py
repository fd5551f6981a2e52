"""The shape tables of the Keras layer tour, as stated there (issue 4's Acceptance)."""

import numpy as np
import pytest

from kgen.keras import Input, Model, Sequential, layers


def _model(input_shape, *stack):
    return Sequential([Input(shape=input_shape), *stack])


def _output_shape(model):
    # The tour writes `model.output_shape`; kgen's Model does not answer it for a model that
    # was never called as a layer (reported to the graph owner), so read the output tensor.
    return tuple(model.outputs[0].shape)


def test_permute_swaps_axes():
    model = _model((10, 64), layers.Permute((2, 1)))
    assert _output_shape(model) == (None, 64, 10)


def test_cropping2d_then_same_conv_then_cropping():
    model = _model((28, 28, 3), layers.Cropping2D(cropping=((2, 2), (4, 4))))
    assert _output_shape(model) == (None, 24, 20, 3)
    model.add(layers.Conv2D(64, (3, 3), padding="same"))
    model.add(layers.Cropping2D(cropping=((2, 2), (2, 2))))
    assert _output_shape(model) == (None, 20, 16, 64)


def test_locally_connected1d_stack():
    model = Sequential()
    model.add(layers.LocallyConnected1D(64, 3, input_shape=(10, 32)))
    assert _output_shape(model) == (None, 8, 64)
    model.add(layers.LocallyConnected1D(32, 3))
    assert _output_shape(model) == (None, 6, 32)
    assert model.layers[0].count_params() == 8 * (3 * 32 * 64) + 8 * 64


def test_locally_connected2d_stack_and_parameter_count():
    model = Sequential()
    model.add(layers.LocallyConnected2D(64, (3, 3), input_shape=(32, 32, 3)))
    assert _output_shape(model) == (None, 30, 30, 64)
    assert model.layers[0].count_params() == 30 * 30 * 3 * 3 * 3 * 64 + 30 * 30 * 64
    model.add(layers.LocallyConnected2D(32, (3, 3)))
    assert _output_shape(model) == (None, 28, 28, 32)


def test_time_distributed_dense():
    model = _model((10, 16), layers.TimeDistributed(layers.Dense(8)))
    assert _output_shape(model) == (None, 10, 8)


def test_embedding_predicts_integer_batch():
    model = Sequential()
    model.add(layers.Embedding(1000, 64, input_length=10))
    ids = np.random.default_rng(0).integers(1000, size=(32, 10))
    out = model.predict(ids)
    assert out.shape == (32, 10, 64)
    np.testing.assert_array_equal(out, model.layers[0].get_weights()[0][ids])


@pytest.mark.parametrize(
    "layer, input_shape, output_shape, params",
    [
        (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (10, 3), (None, 10, 4), 40),
        (lambda: layers.Conv2D(8, 3, strides=2, padding="same"), (9, 9, 2), (None, 5, 5, 8), 152),
        (lambda: layers.Conv2D(8, 3, data_format="channels_first"), (2, 9, 7), (None, 8, 7, 5), 152),
        (lambda: layers.Conv3D(2, (3, 2, 1)), (5, 5, 5, 1), (None, 3, 4, 5, 2), 14),
        (lambda: layers.Conv1DTranspose(4, 3, strides=2), (5, 2), (None, 11, 4), 28),
        (lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same"), (4, 4, 2), (None, 8, 8, 3), 57),
        (lambda: layers.Conv3DTranspose(2, 2, strides=2), (2, 2, 2, 1), (None, 4, 4, 4, 2), 18),
        (lambda: layers.SeparableConv1D(4, 3, depth_multiplier=2), (6, 3), (None, 4, 4), 18 + 24 + 4),
        (lambda: layers.SeparableConv2D(4, 3), (6, 6, 3), (None, 4, 4, 4), 27 + 12 + 4),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), (6, 6, 3), (None, 4, 4, 6), 54 + 6),
        (lambda: layers.MaxPooling3D(2), (4, 5, 4, 1), (None, 2, 2, 2, 1), 0),
        (lambda: layers.AveragePooling1D(3, strides=2, padding="same"), (7, 3), (None, 4, 3), 0),
        (lambda: layers.GlobalAveragePooling3D(keepdims=True), (2, 3, 4, 5), (None, 1, 1, 1, 5), 0),
        (lambda: layers.GlobalMaxPooling2D(data_format="channels_first"), (3, 4, 5), (None, 3), 0),
        (lambda: layers.Cropping3D(((1, 0), (0, 2), (1, 1))), (4, 4, 4, 2), (None, 3, 2, 2, 2), 0),
        (lambda: layers.ZeroPadding3D(1), (2, 2, 2, 1), (None, 4, 4, 4, 1), 0),
        (lambda: layers.UpSampling3D((1, 2, 3)), (2, 2, 2, 1), (None, 2, 4, 6, 1), 0),
        (lambda: layers.UpSampling1D(3), (4, 2), (None, 12, 2), 0),
        (lambda: layers.SimpleRNN(5, return_sequences=True), (7, 3), (None, 7, 5), 3 * 5 + 25 + 5),
        (lambda: layers.GRU(4, reset_after=False), (7, 3), (None, 4), 3 * (3 * 4 + 16 + 4)),
        (lambda: layers.ConvLSTM2D(4, 3, padding="same"), (5, 6, 6, 2), (None, 6, 6, 4),
         9 * 2 * 16 + 9 * 4 * 16 + 16),
        (lambda: layers.Bidirectional(layers.GRU(3), merge_mode="sum"), (5, 2), (None, 3), 2 * (3 * 2 * 3 + 3 * 9 + 18)),
        (lambda: layers.TimeDistributed(layers.Conv2D(4, 3)), (3, 8, 8, 1), (None, 3, 6, 6, 4), 40),
        (lambda: layers.BatchNormalization(axis=1), (3, 4, 4), (None, 3, 4, 4), 12),
        (lambda: layers.LayerNormalization(axis=[1, 2]), (3, 4), (None, 3, 4), 24),
        (lambda: layers.PReLU(shared_axes=[1, 2]), (4, 4, 3), (None, 4, 4, 3), 3),
        (lambda: layers.Masking(), (5, 3), (None, 5, 3), 0),
        (lambda: layers.SpatialDropout2D(0.3), (4, 4, 3), (None, 4, 4, 3), 0),
    ],
)
def test_shape_table(layer, input_shape, output_shape, params):
    inp = Input(shape=input_shape)
    layer = layer()
    out = layer(inp)
    model = Model(inp, out)
    assert tuple(out.shape) == output_shape
    assert layer.count_params() == params
    x = np.random.default_rng(1).normal(size=(2,) + input_shape).astype("float32")
    assert model.predict(x).shape == (2,) + output_shape[1:]


def test_rnn_return_state_shapes():
    inp = Input(shape=(6, 3))
    out, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(inp)
    assert (out.shape, h.shape, c.shape) == ((None, 6, 4), (None, 4), (None, 4))
    seq, *states = layers.Bidirectional(layers.LSTM(4, return_state=True))(inp)
    assert seq.shape == (None, 8) and [s.shape for s in states] == [(None, 4)] * 4
