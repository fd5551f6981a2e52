"""Callbacks: code that `fit` / `evaluate` call at fixed points of training.

Subclass `Callback` and override any hook; each receives a `logs` dict of floats
(`loss`, metrics, and `val_*` at epoch end). The order `fit` follows (as Keras 3):

    on_train_begin
      on_epoch_begin(epoch)                       for each epoch
        on_train_batch_begin(b) / on_train_batch_end(b, logs)   (also on_batch_begin/end)
        [validation: on_test_begin, on_test_batch_begin/end, on_test_end]
      on_epoch_end(epoch, logs)                   logs hold the epoch's averages and val_*
    on_train_end

`self.model` is the model being trained; set `self.model.stop_training = True` to stop.
The progress display runs first and `History` last, so `fit` returns a History that
already holds the epoch whose `on_epoch_end` your callback is seeing.
"""

from __future__ import annotations

import csv
import math
import os
import warnings

import numpy as np

from kgen.training.progbar import Progbar, format_value


class Callback:
    """Base class: override the hooks you need. `self.model` and `self.params` are set by fit."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)  # Keras 2's name for the same hook

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


_HOOKS = [
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end", "on_train_batch_begin", "on_train_batch_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
]


class CallbackList:
    """Calls every callback's hook in order. fit puts the progress bar first and History last."""

    def __init__(self, callbacks=None, model=None, add_history=False, add_progbar=False, **params):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks must be keras.callbacks.Callback instances; received {cb!r} "
                    f"({type(cb).__name__}). Wrap a function in LambdaCallback(on_epoch_end=fn)."
                )
        self.history = None
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger())
        if add_history:
            self.history = History()
            self.callbacks.append(self.history)
        self.model = model
        self.params = params
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def _call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)


def _make_hook(hook):
    indexed = "epoch" in hook or "batch" in hook

    def method(self, *args, logs=None):
        if indexed:
            index = args[0]
            logs = args[1] if len(args) > 1 else logs
            self._call(hook, index, logs if logs is not None else {})
        else:
            logs = args[0] if args else logs
            self._call(hook, logs if logs is not None else {})

    method.__name__ = hook
    return method


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _make_hook(_hook))


class History(Callback):
    """Records the logs of every epoch: `history.history['loss']` is the list of epoch losses."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints "Epoch i/N" and the progress display (see kgen.training.progbar) for verbose 1/2."""

    def __init__(self):
        super().__init__()
        self._bar = None
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            Progbar(None, self.verbose).console.print(f"Epoch {epoch + 1}/{self.epochs}", markup=False)
            self._bar = Progbar(self.steps, self.verbose)
            self._step = 0

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._step = batch + 1
            self._bar.update(self._step, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.update(self._step, logs, finalize=True)
            self._bar = None

    def on_test_begin(self, logs=None):
        if not self._in_fit and self.verbose:
            self._bar = Progbar(self.params.get("steps"), self.verbose)
            self._step = 0

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit and self._bar is not None:
            self._step = batch + 1
            self._bar.update(self._step, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit and self._bar is not None:
            self._bar.update(self._step, logs, finalize=True)
            self._bar = None


def _monitor_op(mode, monitor, who):
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode {mode!r} is unknown; using 'auto'.", stacklevel=3)
        mode = "auto"
    if mode == "auto":
        name = monitor[4:] if monitor.startswith("val_") else monitor
        maximise = any(k in name for k in ("acc", "auc", "precision", "recall", "fmeasure")) or name.startswith("f1")
        mode = "max" if maximise else "min"
    return mode


class EarlyStopping(Callback):
    """Stop training when `monitor` has stopped improving for `patience` epochs.

    Args:
        monitor: the logs key to watch (default 'val_loss').
        min_delta: a change smaller than this is not an improvement.
        patience: epochs without improvement before stopping.
        mode: 'min', 'max' or 'auto' (max for accuracy-like names, min otherwise).
        baseline: the value to beat; training stops if it is not beaten within `patience` epochs.
        restore_best_weights: at the end, put back the weights of the best epoch.
        start_from_epoch: epochs to wait before watching.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = _monitor_op(mode, monitor, "EarlyStopping")
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs or {})}", stacklevel=2
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) during training.

    Args:
        filepath: where to save; may hold `{epoch:02d}` and logs keys, e.g.
            'weights.{epoch:02d}-{val_loss:.2f}.weights.h5'. (kgen writes its own file format
            whatever the extension: load it back with kgen.)
        monitor, mode: what `save_best_only` compares (default 'val_loss', 'auto').
        save_best_only: only save when `monitor` improved.
        save_weights_only: `model.save_weights` instead of `model.save`.
        save_freq: 'epoch', or an integer number of batches.
        initial_value_threshold: the value `monitor` must beat the first time.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"save_freq must be 'epoch' or an integer number of batches; received {save_freq!r}.")
        self.mode = _monitor_op(mode, monitor, "ModelCheckpoint")
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = math.inf if self.mode == "min" else -math.inf
        self._batches = 0
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches += 1
            if self._batches % self.save_freq == 0:
                self._save(self._epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _save(self, epoch, logs):
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as error:
            raise KeyError(
                f"ModelCheckpoint: failed to format filepath {self.filepath!r}: key {error} is not in the "
                f"logs. Available keys: {['epoch'] + list(logs)}."
            ) from error
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"Can save best model only with {self.monitor} available; available keys: {list(logs)}. "
                    "Skipping.", stacklevel=2
                )
                return
            better = current < self.best if self.mode == "min" else current > self.best
            if not better:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class LambdaCallback(Callback):
    """A callback from functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs))`.

    Accepts on_epoch_begin/end(epoch, logs), on_batch_begin/end(batch, logs),
    on_train_batch_begin/end(batch, logs), on_train_begin/end(logs), and the other hooks by name.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if name not in _HOOKS + ["on_batch_begin", "on_batch_end"]:
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}. Known hooks: {_HOOKS}.")
            setattr(self, name, fn)


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file: epoch, then the logs keys sorted.

    Args:
        filename: the CSV file. separator: the column separator. append: add to an existing file.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                append_header = not bool(len(f.readline()))
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._append_header = append_header
        self.keys = None
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.model.stop_training:
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep,
                                          extrasaction="ignore")
            if self._append_header:
                self._writer.writeheader()
        row = {"epoch": epoch}
        row.update({k: _csv_value(logs.get(k, "NA")) for k in self.keys})
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


def _csv_value(value):
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return value


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start: `schedule(epoch, lr) -> new lr` (or `schedule(epoch)`)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(optimizer.learning_rate.data)
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:  # a one-argument schedule(epoch), as Keras 2 also allowed
            new_lr = self.schedule(epoch)
        if not isinstance(new_lr, (float, int, np.floating, np.integer)) and np.ndim(new_lr) != 0:
            raise ValueError(f'The output of the "schedule" function should be a float. Got: {new_lr!r}')
        optimizer.learning_rate = float(new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new_lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.data)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` stalls for `patience` epochs.

    Args: monitor ('val_loss'), factor (0.1), patience (10), mode, min_delta (1e-4),
    cooldown (epochs to wait after a reduction), min_lr (a floor).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}.")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.mode = _monitor_op(mode, monitor, "ReduceLROnPlateau")
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _better(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate.data)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs)}.", stacklevel=2
            )
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.learning_rate.data)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class TensorBoard(Callback):
    """Accepted so Keras scripts run; kgen does not write TensorBoard logs (use CSVLogger)."""

    def __init__(self, log_dir="logs", **kwargs):
        super().__init__()
        self.log_dir = log_dir
        warnings.warn(
            "kgen does not write TensorBoard event files; TensorBoard(...) does nothing here. "
            "Use CSVLogger('log.csv') or the History returned by fit to plot training.", stacklevel=2
        )


def configure(callbacks, model, verbose, epochs, steps, add_history):
    """The CallbackList fit/evaluate use: the user's callbacks, a progress bar, and History."""
    if isinstance(callbacks, CallbackList):
        return callbacks
    return CallbackList(callbacks, model=model, add_history=add_history, add_progbar=verbose != 0,
                        verbose=verbose, epochs=epochs, steps=steps)


__all__ = [
    "Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
    "LambdaCallback", "CSVLogger", "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau",
    "TensorBoard", "format_value",
]
