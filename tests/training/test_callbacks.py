"""Callbacks: hook order, History, EarlyStopping, ModelCheckpoint, CSVLogger, LambdaCallback and friends."""

import csv

import numpy as np
import pytest
from conftest import regression_data, small_mlp

from kgen import keras
from kgen.keras import callbacks


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _log(self, name, *args):
        self.calls.append((name,) + args)

    def on_train_begin(self, logs=None): self._log("train_begin")
    def on_train_end(self, logs=None): self._log("train_end")
    def on_epoch_begin(self, epoch, logs=None): self._log("epoch_begin", epoch)
    def on_epoch_end(self, epoch, logs=None): self._log("epoch_end", epoch, sorted(logs))
    def on_batch_begin(self, batch, logs=None): self._log("batch_begin", batch)
    def on_batch_end(self, batch, logs=None): self._log("batch_end", batch)
    def on_test_begin(self, logs=None): self._log("test_begin")
    def on_test_end(self, logs=None): self._log("test_end")
    def on_test_batch_begin(self, batch, logs=None): self._log("test_batch_begin", batch)
    def on_test_batch_end(self, batch, logs=None): self._log("test_batch_end", batch)


def _model(metrics=None):
    model = small_mlp()
    model.compile(keras.optimizers.SGD(0.01), "mse", metrics=metrics)
    return model


def test_hooks_are_called_in_keras_order():
    x, y = regression_data(n=8)
    recorder = Recorder()
    _model().fit(x[:6], y[:6], batch_size=3, epochs=2, validation_data=(x[6:], y[6:]), callbacks=[recorder],
                 verbose=0)
    epoch = lambda e: [  # noqa: E731
        ("epoch_begin", e), ("batch_begin", 0), ("batch_end", 0), ("batch_begin", 1), ("batch_end", 1),
        ("test_begin",), ("test_batch_begin", 0), ("test_batch_end", 0), ("test_end",),
        ("epoch_end", e, ["loss", "val_loss"]),
    ]
    assert recorder.calls == [("train_begin",)] + epoch(0) + epoch(1) + [("train_end",)]
    assert recorder.model is not None and recorder.params["epochs"] == 2 and recorder.params["steps"] == 2


def test_evaluate_calls_test_hooks_only():
    x, y = regression_data(n=8)
    recorder = Recorder()
    _model().evaluate(x, y, batch_size=4, callbacks=[recorder], verbose=0)
    assert recorder.calls == [("test_begin",), ("test_batch_begin", 0), ("test_batch_end", 0),
                              ("test_batch_begin", 1), ("test_batch_end", 1), ("test_end",)]


def test_tutorial_loss_history_callback():
    """The classic recorder: on_train_begin resets a list, on_batch_end appends logs['loss']."""

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs={}):  # noqa: B006 - as the tutorials write it
            self.losses = []

        def on_batch_end(self, batch, logs={}):  # noqa: B006
            self.losses.append(logs.get("loss"))

    x, y = regression_data()
    history = LossHistory()
    _model().fit(x, y, batch_size=10, epochs=3, callbacks=[history], verbose=0)
    assert len(history.losses) == 12 and all(isinstance(v, float) for v in history.losses)


def test_callback_can_stop_training_mid_epoch():
    class StopAt(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    x, y = regression_data()
    recorder = Recorder()
    history = _model().fit(x, y, batch_size=10, epochs=5, callbacks=[StopAt(), recorder], verbose=0)
    assert history.epoch == [0]
    assert [c for c in recorder.calls if c[0] == "batch_end"] == [("batch_end", 0), ("batch_end", 1)]


def test_lambda_callback():
    epochs, batches, ends = [], [], []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append((epoch, logs["loss"])),
                                  on_batch_end=lambda batch, logs: batches.append(batch),
                                  on_train_end=lambda logs: ends.append(True))
    x, y = regression_data()
    history = _model().fit(x, y, batch_size=20, epochs=3, callbacks=[cb], verbose=0)
    assert [e for e, _ in epochs] == [0, 1, 2]
    assert [v for _, v in epochs] == history.history["loss"]
    assert batches == [0, 1] * 3 and ends == [True]
    with pytest.raises(TypeError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_a_non_callback_is_rejected_clearly():
    x, y = regression_data()
    with pytest.raises(TypeError, match="LambdaCallback"):
        _model().fit(x, y, callbacks=[print], verbose=0)


class Feed(callbacks.Callback):
    """Puts a scripted value under `key` in the epoch logs (runs before the callbacks that read it)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def _fit_with(values, *cbs, key="val_loss", epochs=None):
    x, y = regression_data(n=10)
    model = _model()
    snapshots = []
    snap = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(model.get_weights()))
    history = model.fit(x, y, epochs=epochs or len(values), callbacks=[Feed(key, values), snap, *cbs], verbose=0)
    return model, history, snapshots


def test_early_stopping_patience_and_restore_best_weights():
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model, history, snapshots = _fit_with([5.0, 3.0, 4.0, 3.5, 1.0, 0.5], stop)
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best == 3.0 and stop.best_epoch == 1
    for got, want in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_min_delta_mode_and_baseline():
    stop = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.5, patience=1)
    _, history, _ = _fit_with([5.0, 4.8, 4.7, 4.0], stop)
    assert history.epoch == [0, 1]  # 4.8 is not better than 5.0 by 0.5
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)  # 'auto' -> max
    _, history, _ = _fit_with([0.5, 0.6, 0.55, 0.7], stop, key="val_accuracy")
    assert history.epoch == [0, 1, 2]
    values = [3.0, 2.0, 2.5, 2.6, 0.5]
    _, history, _ = _fit_with(values, callbacks.EarlyStopping(monitor="val_loss", patience=2, baseline=1.0))
    assert history.epoch == [0, 1, 2]  # improving but never beating the baseline: patience runs on
    _, history, _ = _fit_with(values, callbacks.EarlyStopping(monitor="val_loss", patience=2))
    assert history.epoch == [0, 1, 2, 3]


def test_early_stopping_warns_when_the_metric_is_missing():
    x, y = regression_data()
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        _model().fit(x, y, epochs=1, callbacks=[callbacks.EarlyStopping()], verbose=0)


def test_model_checkpoint_formats_paths_and_saves_best_only(tmp_path):
    pattern = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.weights.h5")
    ckpt = callbacks.ModelCheckpoint(pattern, monitor="val_loss", save_best_only=True, save_weights_only=True)
    model, _, snapshots = _fit_with([3.0, 2.0, 2.5, 1.0], ckpt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.01-3.00.weights.h5", "w.02-2.00.weights.h5",
                                                          "w.04-1.00.weights.h5"]
    fresh = small_mlp()
    fresh.load_weights(str(tmp_path / "w.02-2.00.weights.h5"))
    for got, want in zip(fresh.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)


def test_model_checkpoint_full_model_every_epoch(tmp_path, capsys):
    path = tmp_path / "model.keras"
    model, _, snapshots = _fit_with([1.0, 1.0], callbacks.ModelCheckpoint(path, verbose=1))
    assert "Epoch 2: saving model to" in capsys.readouterr().out
    loaded = keras.models.load_model(path)
    for got, want in zip(loaded.get_weights(), snapshots[-1]):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(KeyError, match="val_acc"):
        _fit_with([1.0], callbacks.ModelCheckpoint(str(tmp_path / "{val_acc}.keras")))


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    x, y = regression_data()
    model = _model(metrics=["mae"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, callbacks=[callbacks.CSVLogger(path)], verbose=0)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], history.history["val_loss"], rtol=1e-12)
    model.fit(x, y, epochs=1, callbacks=[callbacks.CSVLogger(path, append=True)], verbose=0, validation_split=0.25)
    with open(path) as f:
        lines = f.read().strip().splitlines()
    assert len(lines) == 5 and lines[0].startswith("epoch,")


def test_learning_rate_scheduler_and_reduce_on_plateau():
    x, y = regression_data()
    model = _model()
    seen = []
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    probe = callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(float(model.optimizer.learning_rate.data)))
    history = model.fit(x, y, epochs=3, callbacks=[sched, probe], verbose=0)
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], seen, rtol=1e-6)
    plateau = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.002)
    model, history, _ = _fit_with([1.0, 1.0, 1.0, 1.0, 1.0], plateau)
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.01, 0.005, 0.0025, 0.002], rtol=1e-6)


def test_terminate_on_nan(capsys):
    x, y = regression_data()
    y[0, 0] = np.nan
    history = _model().fit(x, y, batch_size=10, epochs=3, callbacks=[callbacks.TerminateOnNaN()], verbose=0)
    assert history.epoch == [0] and "Invalid loss" in capsys.readouterr().out


def test_history_is_the_last_callback_and_is_fresh_per_fit():
    x, y = regression_data()
    model = _model()
    seen = []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(len(model.history.history.get("loss", []))))
    first = model.fit(x, y, epochs=2, callbacks=[cb], verbose=0)
    assert seen == [0, 1]
    second = model.fit(x, y, epochs=1, verbose=0)
    assert first is not second and len(second.history["loss"]) == 1
