"""Every catalogue layer's docstring states its shapes and has an example that runs (doctest),
and every layer survives a save / load round trip with the same outputs."""

import doctest
import importlib

import numpy as np
import pytest

import kgen.layers
from kgen import keras
from kgen.keras import Input, Model, layers

MODULES = [
    "kgen.layers.activations", "kgen.layers.convolutional", "kgen.layers.embedding", "kgen.layers.locally_connected",
    "kgen.layers.noise", "kgen.layers.normalization", "kgen.layers.pooling", "kgen.layers.reshaping",
    "kgen.layers.wrappers", "kgen.layers.recurrent.base", "kgen.layers.recurrent.simple_rnn",
    "kgen.layers.recurrent.lstm", "kgen.layers.recurrent.gru", "kgen.layers.recurrent.conv_lstm",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    globs = {**vars(kgen.layers), "np": np}
    failed, attempted = doctest.testmod(module, extraglobs=globs, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failed == 0


LEAD_OWNED = {layers.Flatten, layers.Reshape, layers.Permute, layers.RepeatVector}  # reshaping.py's first half


@pytest.mark.parametrize("name", MODULES)
def test_public_layers_document_their_shapes(name):
    module = importlib.import_module(name)
    for cls in vars(module).values():
        if not isinstance(cls, type) or cls in LEAD_OWNED:
            continue
        if issubclass(cls, layers.Layer) and cls.__module__ == name and not cls.__name__.startswith("_"):
            doc = cls.__doc__ or ""
            if cls.__name__.endswith("Cell") or cls.__name__ == "StackedRNNCells":
                assert "Call:" in doc, cls.__name__
            else:
                assert "Input shape" in doc and "Output shape" in doc, cls.__name__


ROUND_TRIP = [
    (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (8, 2)),
    (lambda: layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"), (6, 6, 2)),
    (lambda: layers.Conv3D(2, 2, data_format="channels_first"), (2, 3, 3, 3)),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, output_padding=1), (4, 4, 2)),
    (lambda: layers.SeparableConv2D(3, 3, depth_multiplier=2), (6, 6, 2)),
    (lambda: layers.DepthwiseConv1D(3), (6, 2)),
    (lambda: layers.AveragePooling2D(2, padding="same"), (5, 5, 2)),
    (lambda: layers.GlobalMaxPooling1D(keepdims=True), (5, 2)),
    (lambda: layers.Cropping2D(((1, 0), (0, 1))), (5, 5, 2)),
    (lambda: layers.UpSampling2D(2, interpolation="bilinear"), (3, 3, 2)),
    (lambda: layers.ZeroPadding3D(1), (2, 2, 2, 1)),
    (lambda: layers.LocallyConnected2D(3, 2), (4, 4, 2)),
    (lambda: layers.LSTM(3, return_sequences=True, go_backwards=True), (5, 2)),
    (lambda: layers.GRU(3, reset_after=False), (5, 2)),
    (lambda: layers.RNN([layers.LSTMCell(3), layers.SimpleRNNCell(2)]), (5, 2)),
    (lambda: layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="ave"), (5, 2)),
    (lambda: layers.TimeDistributed(layers.Conv1D(2, 2)), (3, 4, 2)),
    (lambda: layers.ConvLSTM2D(2, 3, padding="same"), (3, 5, 5, 1)),
    (lambda: layers.BatchNormalization(momentum=0.9), (5, 2)),
    (lambda: layers.LayerNormalization(axis=[1, 2]), (5, 2)),
    (lambda: layers.PReLU(shared_axes=[1]), (5, 2)),
    (lambda: layers.ReLU(6.0, negative_slope=0.1), (5, 2)),
    (lambda: layers.Softmax(axis=1), (5, 2)),
    (lambda: layers.AlphaDropout(0.1), (5, 2)),
    (lambda: layers.Masking(0.5), (5, 2)),
]


@pytest.mark.parametrize("make, shape", ROUND_TRIP)
def test_save_and_load_round_trip(make, shape, tmp_path):
    inp = Input(shape=shape)
    model = Model(inp, make()(inp))
    model.set_weights([np.random.default_rng(0).uniform(0.1, 0.9, w.shape).astype("float32") for w in model.get_weights()])
    x = np.random.default_rng(1).normal(size=(2,) + shape).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
