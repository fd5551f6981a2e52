"""fit / evaluate / train_on_batch semantics: data handling, losses, metrics, training-mode layers."""

import numpy as np
import pytest
from conftest import regression_data, small_mlp

from kgen import keras
from kgen.keras import Input, Model, Sequential, layers


def _mse(model, x, y):
    return float(np.mean((model.predict(x, verbose=0) - y) ** 2))


# ---------------------------------------------------------------- history, epochs, data
def test_fit_returns_history_and_the_loss_decreases():
    x, y = regression_data()
    model = small_mlp()
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.history is history
    assert history.epoch == [0, 1, 2, 3, 4]
    assert list(history.history) == ["loss"]
    assert len(history.history["loss"]) == 5
    assert all(isinstance(v, float) for v in history.history["loss"])
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_epoch_loss_is_the_batch_size_weighted_mean_of_batch_losses_before_each_step():
    x, y = regression_data(n=10)
    model = small_mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    batch_losses = []
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_batch_begin=lambda b, logs: batch_losses.append(
                  _mse(model, x[b * 4:(b + 1) * 4], y[b * 4:(b + 1) * 4])))])
    history_loss = model.history.history["loss"][0]
    np.testing.assert_allclose(history_loss, np.average(batch_losses, weights=[4, 4, 2]), rtol=1e-5)


def test_initial_epoch_and_keras1_nb_epoch():
    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse")
    assert model.fit(x, y, epochs=4, initial_epoch=2, verbose=0).epoch == [2, 3]
    with pytest.warns(UserWarning, match="nb_epoch"):
        assert len(model.fit(x, y, nb_epoch=2, verbose=0).epoch) == 2


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = regression_data(n=10)
    model = small_mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, validation_split=0.25, epochs=1, batch_size=3, shuffle=True, verbose=0)
    # floor(10 * 0.75) = 7 training samples; the last 3 are held out
    np.testing.assert_allclose(history.history["val_loss"][0], _mse(model, x[7:], y[7:]), rtol=1e-5)
    np.testing.assert_allclose(history.history["loss"][0], _mse(model, x[:7], y[:7]), rtol=1e-5)
    assert list(history.history) == ["loss", "val_loss"]


def test_validation_split_that_leaves_nothing_is_an_error():
    x, y = regression_data(n=3)
    model = small_mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(x, y, validation_split=0.9, verbose=0)


def test_validation_data_and_validation_freq():
    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse", metrics=["mae"])
    history = model.fit(x[:30], y[:30], validation_data=(x[30:], y[30:]), epochs=4, validation_freq=2, verbose=0)
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(x[30:], y[30:], verbose=0)[0], rtol=1e-5)


class _Recorder(layers.Layer):
    """Passes its input through, remembering the first feature of every training batch."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        if training:
            self.seen.append(np.array(inputs.data[:, 0]))
        return inputs


def _recording_model():
    inp = Input(shape=(1,))
    recorder = _Recorder()
    out = layers.Dense(1)(recorder(inp))
    model = Model(inp, out)
    model.compile("sgd", "mse")
    return model, recorder


def test_shuffle_false_keeps_order_and_shuffle_true_permutes_each_epoch():
    x = np.arange(10, dtype="float32")[:, None]
    model, recorder = _recording_model()
    model.fit(x, x, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert [b.tolist() for b in recorder.seen] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    recorder.seen.clear()
    model.fit(x, x, batch_size=10, epochs=2, shuffle=True, verbose=0)
    first, second = recorder.seen
    assert sorted(first) == sorted(second) == list(range(10))
    assert first.tolist() != list(range(10)) or second.tolist() != list(range(10))


def test_dict_inputs_by_name_and_list_targets():
    a, b = Input(shape=(2,), name="a"), Input(shape=(3,), name="b")
    out = layers.Dense(1, name="out")(layers.concatenate([a, b]))
    model = Model([a, b], out)
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    xa, xb, y = rng.normal(size=(8, 2)), rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    h1 = model.fit({"a": xa, "b": xb}, y, epochs=1, shuffle=False, verbose=0).history["loss"]
    model2 = Model([a, b], out)
    model2.compile(keras.optimizers.SGD(), "mse")
    assert model.evaluate([xa, xb], {"out": y}, verbose=0) == pytest.approx(model.evaluate({"a": xa, "b": xb}, [y], verbose=0))
    assert np.isfinite(h1[0])


def test_mismatched_sample_counts_are_a_clear_error():
    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, y[:-1], verbose=0)


def test_fit_before_compile_says_what_to_do():
    x, y = regression_data()
    with pytest.raises(RuntimeError, match=r"compile\(\) before fit"):
        small_mlp().fit(x, y)


def test_unknown_loss_name_fails_at_compile():
    with pytest.raises(ValueError, match="Unknown loss function: 'msq'"):
        small_mlp().compile("sgd", "msq")


def test_sequential_built_on_first_batch():
    x, y = regression_data()
    model = Sequential([layers.Dense(8, activation="relu"), layers.Dense(2)])
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert len(model.trainable_weights) == 4
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_generator_and_sequence_inputs():
    x, y = regression_data(n=24)

    def batches():
        while True:
            for i in range(0, 24, 8):
                yield x[i:i + 8], y[i:i + 8]

    class Data:
        def __init__(self):
            self.epochs_ended = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

        def on_epoch_end(self):
            self.epochs_ended += 1

    model = small_mlp()
    model.compile("sgd", "mse")
    assert len(model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0).history["loss"]) == 2
    data = Data()
    model.fit(data, epochs=2, verbose=0)
    assert data.epochs_ended == 2
    assert len(model.fit_generator(batches(), steps_per_epoch=3, epochs=1, verbose=0).epoch) == 1
    assert np.isfinite(model.evaluate(Data(), verbose=0))


# ---------------------------------------------------------------- evaluate and *_on_batch
def test_evaluate_returns_scalar_list_or_dict():
    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(_mse(model, x, y), rel=1e-5)
    model.compile("sgd", "mse", metrics=["mae", "mse"])
    loss, mae, mse = model.evaluate(x, y, verbose=0)
    assert model.metrics_names == ["loss", "mae", "mse"]
    assert mae == pytest.approx(float(np.mean(np.abs(model.predict(x, verbose=0) - y))), rel=1e-5)
    assert loss == pytest.approx(mse, rel=1e-6)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "mae": mae, "mse": mse}


def test_train_on_batch_reports_the_loss_before_its_update_and_test_on_batch_changes_nothing():
    x, y = regression_data(n=8)
    model = small_mlp()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    before = _mse(model, x, y)
    weights = model.get_weights()
    loss, mae = model.test_on_batch(x, y)
    assert loss == pytest.approx(before, rel=1e-5)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    loss, _ = model.train_on_batch(x, y)
    assert loss == pytest.approx(before, rel=1e-5)
    assert _mse(model, x, y) < before
    after_one = _mse(model, x, y)
    second = model.train_on_batch(x, y, return_dict=True)
    assert second["loss"] == pytest.approx(after_one, rel=1e-5)  # this batch's loss, not a running mean


# ---------------------------------------------------------------- losses and metrics in compile
def test_accuracy_is_picked_like_keras():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 4)).astype("float32")
    labels = rng.integers(0, 3, size=30)
    for y, units, act, loss, kind in [
        ((labels > 0).astype("float32")[:, None], 1, "sigmoid", "binary_crossentropy", "binary"),
        (np.eye(3, dtype="float32")[labels], 3, "softmax", "categorical_crossentropy", "categorical"),
        (labels, 3, "softmax", "sparse_categorical_crossentropy", "sparse"),
        (labels[:, None], 3, "softmax", "sparse_categorical_crossentropy", "sparse"),
    ]:
        model = small_mlp(outputs=units, activation=act)
        model.compile("sgd", loss, metrics=["accuracy"])
        _, acc = model.evaluate(x, y, verbose=0)
        p = model.predict(x, verbose=0)
        if kind == "binary":
            want = np.mean((p > 0.5) == (y > 0.5))
        else:
            want = np.mean(np.argmax(p, -1) == labels)
        assert acc == pytest.approx(want), kind
        assert model.metrics_names == ["loss", "accuracy"]


def test_user_metric_function_and_metric_object():
    def mean_pred(y_true, y_pred):
        return keras.backend.mean(y_pred)

    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse", metrics=[mean_pred, keras.metrics.MeanAbsoluteError(name="abs_err")])
    logs = model.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert logs["mean_pred"] == pytest.approx(float(p.mean()), rel=1e-5)
    assert logs["abs_err"] == pytest.approx(float(np.abs(p - y).mean()), rel=1e-5)


def test_custom_loss_function_and_loss_object():
    x, y = regression_data()

    def my_mse(y_true, y_pred):
        return keras.backend.mean(keras.backend.square(y_pred - y_true), axis=-1)

    for loss in (my_mse, keras.losses.MeanSquaredError(), "mean_squared_error"):
        model = small_mlp()
        model.compile("sgd", loss)
        assert model.evaluate(x, y, verbose=0) == pytest.approx(_mse(model, x, y), rel=1e-5)
        h = model.fit(x, y, epochs=3, verbose=0).history["loss"]
        assert h[-1] < h[0]


def test_custom_loss_closing_over_an_input_tensor():
    """The usual custom-loss wrapper: the loss uses a symbolic input of the model."""
    inp = Input(shape=(4,))
    out = layers.Dense(1)(inp)
    model = Model(inp, out)

    def loss_wrapper(input_tensor):
        def loss(y_true, y_pred):
            return keras.backend.mean(keras.backend.square(y_pred - y_true), axis=-1) + \
                0.1 * keras.backend.mean(input_tensor)
        return loss

    model.compile(keras.optimizers.SGD(0.05), loss=loss_wrapper(inp))
    x, y = regression_data(outputs=1)
    expected = _mse(model, x, y) + 0.1 * float(np.mean(x))
    assert model.evaluate(x, y, batch_size=40, verbose=0) == pytest.approx(expected, rel=1e-5)
    h = model.fit(x, y, epochs=5, batch_size=40, verbose=0).history["loss"]
    assert h[0] == pytest.approx(expected, rel=1e-5)
    assert h[-1] < h[0]


def test_numpy_loss_breaks_the_gradient_chain_with_a_clear_error():
    def bad_loss(y_true, y_pred):
        return np.mean((np.asarray(y_pred.data) - np.asarray(y_true.data)) ** 2, axis=-1)

    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", bad_loss)
    with pytest.raises(ValueError, match="not connected to the model's weights"):
        model.fit(x, y, verbose=0)


def test_symbolic_add_loss_without_compiled_loss():
    """Keras 2's VAE pattern: model.add_loss(a symbolic expression), compile(loss=None), fit(x, None)."""
    inp = Input(shape=(4,))
    h = layers.Dense(3, name="code")(inp)
    out = layers.Dense(4, name="recon")(h)
    model = Model(inp, out)
    model.add_loss(keras.backend.mean(keras.backend.square(out - inp)) + 0.01 * keras.backend.mean(keras.backend.square(h)))
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    x, _ = regression_data()
    code = model.get_layer("code")
    hx = x @ code.get_weights()[0] + code.get_weights()[1]
    expected = _mse(model, x, x) + 0.01 * float(np.mean(hx ** 2))
    history = model.fit(x, None, epochs=5, batch_size=40, verbose=0, validation_data=(x, None))
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-4)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "val_loss" in history.history


class _PenaltyLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(0.5 * keras.backend.sum(keras.backend.square(inputs)))
        return inputs


def test_add_loss_inside_call_counts_once_per_step():
    inp = Input(shape=(2,))
    out = layers.Dense(2)(_PenaltyLayer()(inp))
    model = Model(inp, out)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x, y = regression_data(n=6, inputs=2)
    expected = _mse(model, x, y) + 0.5 * float(np.sum(x ** 2))
    h = model.fit(x, y, batch_size=6, epochs=3, verbose=0).history["loss"]
    np.testing.assert_allclose(h, [expected] * 3, rtol=1e-5)


def test_regularizer_penalty_is_part_of_the_loss():
    inp = Input(shape=(4,))
    out = layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.1), name="d")(inp)
    model = Model(inp, out)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x, y = regression_data()
    kernel = model.get_layer("d").get_weights()[0]
    expected = _mse(model, x, y) + 0.1 * float(np.sum(kernel ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_sample_weight_and_class_weight():
    x, y = regression_data(n=6)
    model = small_mlp()
    model.compile("sgd", "mse")
    sw = np.array([1, 0, 2, 0, 1, 1], "float32")
    per_sample = np.mean((model.predict(x, verbose=0) - y) ** 2, axis=-1)
    assert model.evaluate(x, y, sample_weight=sw, verbose=0) == pytest.approx(float(np.sum(per_sample * sw) / 6), rel=1e-5)
    labels = np.array([0, 1, 1, 0, 1, 0])
    clf = small_mlp(outputs=2, activation="softmax")
    clf.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    p = clf.predict(x, verbose=0)
    ce = -np.log(p[np.arange(6), labels])
    h = clf.fit(x, labels, class_weight={0: 1.0, 1: 3.0}, batch_size=6, epochs=1, verbose=0).history["loss"]
    assert h[0] == pytest.approx(float(np.sum(ce * np.where(labels == 1, 3.0, 1.0)) / 6), rel=1e-5)


# ---------------------------------------------------------------- layers that train differently
def test_dropout_is_active_in_fit_and_off_in_evaluate_and_predict():
    inp = Input(shape=(4,))
    out = layers.Dense(2)(layers.Dropout(0.5)(layers.Dense(16, activation="relu")(inp)))
    model = Model(inp, out)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x, y = regression_data()
    evaluated = model.evaluate(x, y, verbose=0)
    assert evaluated == pytest.approx(_mse(model, x, y), rel=1e-5)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    trained = model.fit(x, y, batch_size=40, epochs=1, verbose=0).history["loss"][0]
    assert trained != pytest.approx(evaluated, rel=1e-3)


def test_batchnorm_uses_batch_statistics_and_updates_moving_averages_only_in_training():
    inp = Input(shape=(3,))
    bn = layers.BatchNormalization(momentum=0.5)
    model = Model(inp, bn(inp))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(20, 3)).astype("float32")
    moving = [w.copy() for w in bn.get_weights()[2:]]
    model.evaluate(x, x, verbose=0)
    model.predict(x, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(moving, bn.get_weights()[2:]))
    model.fit(x, x, batch_size=20, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(bn.get_weights()[2], 0.5 * moving[0] + 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.get_weights()[3], 0.5 * moving[1] + 0.5 * x.var(0), rtol=1e-4)


def test_frozen_layers_do_not_train_and_compile_captures_trainability():
    x, y = regression_data()
    model = small_mlp()
    hidden = model.get_layer("hidden")
    hidden.trainable = False
    model.compile("adam", "mse")
    frozen = hidden.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, hidden.get_weights()))
    # Keras 2 semantics (the GAN tutorials): trainability is read at compile time
    hidden.trainable = True
    model.compile("adam", "mse")
    hidden.trainable = False
    model.fit(x, y, epochs=1, verbose=0)
    assert not all(np.array_equal(a, b) for a, b in zip(frozen, hidden.get_weights()))


# ---------------------------------------------------------------- progress display
def test_verbose_modes_print_epoch_lines(capsys):
    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, verbose=2, validation_split=0.25)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("1/1 - ") and "loss: " in lines[1] and "val_mae: " in lines[1]
    model.fit(x, y, epochs=1, batch_size=10, verbose=1)
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "Epoch 1/1" and out[1].startswith("4/4 ") and "mae: " in out[1]
    model.evaluate(x, y, verbose=1)
    assert "loss: " in capsys.readouterr().out


def test_verbose_1_in_a_terminal_without_color(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    x, y = regression_data()
    model = small_mlp()
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, batch_size=10, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "loss: " in out and "4/4" in out
    assert "\x1b[3" not in out  # no colour codes
