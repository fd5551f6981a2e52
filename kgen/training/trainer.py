"""compile / fit / evaluate / train_on_batch for Model, on the engine's gradient tape.

One training step (Keras 3's `train_step`, written out):

    y_pred = model(x, training=True)                 # ops record themselves on the tape
    loss   = sum_i w_i * loss_i(y_i, y_pred_i) + sum(model.losses)
    grads  = gradients(loss, trainable_weights)      # reverse mode over the same ops
    optimizer.apply(grads, trainable_weights)        # Variable updates, in place

The reported `loss` of an epoch is the mean of the batch losses weighted by batch size, each
computed at the weights *before* that batch's update; metrics accumulate over the epoch in
the same way. Per-output losses (`<output>_loss`) appear when a model has several losses.

Losses that are symbolic (Keras 2's `model.add_loss(symbolic_tensor)`, or a custom loss that
closes over an `Input`) are evaluated each step from the step's inputs and outputs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from kgen.engine import ops
from kgen.engine.tensor import Tensor, as_array, enable_grad, gradients, no_grad
from kgen.graph.structure import flatten, map_structure


def _is_symbolic(x):
    return getattr(type(x), "_kgen_symbolic", False)


# ============================================================================ data
def _as_array(value, what):
    if isinstance(value, Tensor):
        return value.data
    if _is_symbolic(value):
        raise TypeError(
            f"{what} is a symbolic tensor (from keras.Input or a layer): it has no values. Pass numpy "
            "arrays to fit/evaluate."
        )
    return np.asarray(value)


def _unpack(batch):
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(
            f"A data generator must yield (x, y) or (x, y, sample_weight) tuples; received a tuple of "
            f"length {len(batch)}."
        )
    return batch, None, None


def _is_iterable_data(x):
    return (
        x is not None
        and not isinstance(x, (np.ndarray, list, tuple, dict, Tensor))
        and (hasattr(x, "__next__") or hasattr(x, "__iter__") or hasattr(x, "__getitem__"))
        and not np.isscalar(x)
    )


class _ArrayData:
    """Batches of in-memory arrays; reshuffled every epoch when `shuffle`."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, steps=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        sizes = {}
        for label, part in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            for a in flatten(part):
                if a is not None:
                    sizes.setdefault(len(a), []).append(label)
        if len(sizes) > 1:
            detail = ", ".join(f"{'/'.join(sorted(set(v)))}: {k}" for k, v in sizes.items())
            raise ValueError(
                f"Data cardinality is ambiguous: the arrays do not all have the same number of "
                f"samples ({detail}). Make sure all arrays contain the same number of samples."
            )
        self.n = next(iter(sizes)) if sizes else 0
        if self.n == 0:
            raise ValueError("The data is empty (0 samples). Pass at least one sample to fit/evaluate.")
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        self.steps = math.ceil(self.n / self.batch_size)
        if steps is not None:
            self.steps = min(self.steps, int(steps))

    def epoch(self):
        order = None
        if self.shuffle:
            from kgen.random import generator

            order = generator().permutation(self.n)
        for step in range(self.steps):
            lo, hi = step * self.batch_size, min((step + 1) * self.batch_size, self.n)
            index = slice(lo, hi) if order is None else order[lo:hi]
            yield tuple(
                map_structure(lambda a: None if a is None else a[index], part)
                for part in (self.x, self.y, self.sample_weight)
            )


class _IterData:
    """Batches from a generator, an iterator, or a Sequence/PyDataset (`__getitem__` + `__len__`)."""

    def __init__(self, data, steps=None, shuffle=False):
        self.data = data
        self.shuffle = shuffle
        self.sequence = hasattr(data, "__getitem__") and hasattr(data, "__len__")
        if self.sequence:
            self.steps = len(data) if steps is None else min(int(steps), len(data))
        else:
            self.steps = None if steps is None else int(steps)
            self._iterator = iter(data)

    def epoch(self):
        if self.sequence:
            order = np.arange(len(self.data))
            if self.shuffle:
                from kgen.random import generator

                order = generator().permutation(len(self.data))
            for i in order[: self.steps]:
                yield _unpack(self.data[int(i)])
            if hasattr(self.data, "on_epoch_end"):
                self.data.on_epoch_end()
            return
        count = 0
        while self.steps is None or count < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                if count == 0:
                    raise ValueError(
                        "The data generator is exhausted: it yielded no batch this epoch. Make it loop "
                        "forever (while True: ... yield x, y) and pass steps_per_epoch."
                    ) from None
                if self.steps is None:
                    self.steps = count
                break
            count += 1
            x, y, sw = _unpack(batch)
            yield (map_structure(lambda a: _as_array(a, "x"), x),
                   map_structure(lambda a: None if a is None else _as_array(a, "y"), y),
                   None if sw is None else map_structure(lambda a: _as_array(a, "sample_weight"), sw))


def _class_weights_to_sample_weights(y_flat, class_weight):
    if len([t for t in y_flat if t is not None]) != 1:
        raise ValueError("class_weight is only supported for models with a single output; use sample_weight.")
    y = np.asarray(next(t for t in y_flat if t is not None))
    classes = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else np.round(y.reshape(len(y), -1)[:, 0]).astype(int)
    missing = set(np.unique(classes).tolist()) - set(int(k) for k in class_weight)
    if missing:
        raise ValueError(
            f"class_weight must contain all classes in the data; classes {sorted(missing)} have no weight. "
            f"Received class_weight={class_weight}."
        )
    lookup = {int(k): float(v) for k, v in class_weight.items()}
    return np.array([lookup[int(c)] for c in classes], dtype=np.float32)


def _split_last(parts, validation_split):
    """Keras' validation_split: the LAST fraction of the samples, taken before any shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be a float between 0 and 1; received {validation_split}.")
    arrays = [a for part in parts for a in flatten(part) if a is not None]
    n = len(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation "
            f"and training set as specified by validation_split={validation_split}. Either provide more "
            "data, or a different value for the validation_split argument."
        )
    train = tuple(map_structure(lambda a: None if a is None else a[:split_at], p) for p in parts)
    val = tuple(map_structure(lambda a: None if a is None else a[split_at:], p) for p in parts)
    return train, val


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose in (True, False):
        return int(verbose)
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'; received {verbose!r}.")
    return verbose


# ============================================================================ compiled loss
class _LossEntry:
    __slots__ = ("identifier", "fn", "weight", "name", "index", "tracker")

    def __init__(self, identifier, fn, weight, name, index):
        self.identifier, self.fn, self.weight, self.name, self.index = identifier, fn, weight, name, index
        self.tracker = None


def _spread(spec, names, what, allow_single=True):
    """A per-output list from a single value, a list (one per output) or a dict keyed by name."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(
                f"In the dict argument `{what}`, keys {unknown} do not correspond to any model output. "
                f"The outputs are named {names}. Received: {what}={spec}"
            )
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(
                f"For a model with {n} output(s), `{what}` given as a list must have {n} entries (one per "
                f"output, in the order {names}). Received {len(spec)}: {what}={list(spec)}"
            )
        return list(spec)
    if not allow_single and n > 1:
        raise ValueError(f"`{what}` must be a list or dict for a model with several outputs.")
    return [spec] * n


def _build_losses(loss, loss_weights, names):
    from kgen.training import losses as losses_module
    from kgen.training.metrics import Mean

    per_output = _spread(loss, names, "loss")
    if loss_weights is None:
        weights = [None] * len(names)
    elif isinstance(loss_weights, (int, float)):
        weights = [float(loss_weights)] * len(names)
    else:
        weights = _spread(loss_weights, names, "loss_weights")
    entries = []
    for i, (identifier, weight) in enumerate(zip(per_output, weights)):
        if identifier is None:
            continue
        fn = losses_module.get(identifier)
        if isinstance(fn, type) and issubclass(fn, losses_module.Loss):
            fn = fn()
        name = losses_module.resolve_name(identifier, fn)
        entries.append(_LossEntry(identifier, fn, weight, name, i))
    if len(entries) > 1:
        for entry in entries:
            entry.tracker = Mean(name=f"{names[entry.index]}_loss")
    return entries


def _build_metrics(spec, names, y_true, y_pred, weighted):
    """[(output_index, Metric), ...] for `metrics` or `weighted_metrics` (Keras 3's rules)."""
    from kgen.training import metrics as metrics_module

    if not spec:
        return []
    n = len(names)
    if isinstance(spec, str) or (callable(spec) and not isinstance(spec, (list, tuple, dict))):
        spec = [spec]
    what = "weighted_metrics" if weighted else "metrics"
    if n == 1:
        per_output = [flatten(spec) if isinstance(spec, dict) else list(spec)]
        if isinstance(spec, dict):
            _spread(spec, names, what)  # checks the keys
    elif isinstance(spec, dict):
        per_output = _spread(spec, names, what)
    elif len(spec) == n:
        per_output = list(spec)
    else:
        # Keras 2 applied a flat list to every output; Keras 3 wants one entry per output.
        per_output = [list(spec)] * n
    out = []
    for i, entry in enumerate(per_output):
        if entry is None or y_true[i] is None:
            continue
        for identifier in entry if isinstance(entry, (list, tuple)) else [entry]:
            if identifier is not None:
                out.append((i, metrics_module.resolve(identifier, y_true[i], y_pred[i])))
    return out


def _metric_names(plain, weighted, names):
    """Reported names: '<output>_<metric>' for several outputs; clashes get '_1', 'weighted_'."""
    prefix = (lambda i: f"{names[i]}_") if len(names) > 1 else (lambda i: "")
    used, out = {}, []
    for i, metric in plain:
        name = prefix(i) + metric.name
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name] - 1}"
        else:
            used[name] = 1
        out.append((i, metric, name, False))
    for i, metric in weighted:
        name = prefix(i) + metric.name
        if name in used:
            name = prefix(i) + "weighted_" + metric.name
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name] - 1}"
        used.setdefault(name, 1)
        out.append((i, metric, name, True))
    return out


# ============================================================================ the mixin
class Trainer:
    """Mixin giving Model compile / fit / evaluate / train_on_batch / test_on_batch / save."""

    compiled = False
    optimizer = None
    loss = None
    stop_training = False
    history = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configure training: the optimizer, the loss(es), loss weights and metrics.

        Args:
            optimizer: a name ('rmsprop', 'adam', 'sgd', ...) or an optimizer instance.
            loss: a name ('mse', 'binary_crossentropy', ...), a function `loss(y_true, y_pred)`,
                a `keras.losses.Loss`; for several outputs a list (one per output) or a dict
                keyed by output name (one loss alone is used for every output).
            loss_weights: multiply each output's loss (list or dict, like `loss`).
            metrics: names ('accuracy', 'mse', 'mae'), functions or Metric objects; for several
                outputs a list of lists or a dict keyed by output name.
            weighted_metrics: like `metrics`, but weighted by `sample_weight`.
        """
        from kgen.training import losses as losses_module
        from kgen.training import optimizers as optimizers_module
        from kgen.training.metrics import Mean

        ignored = {"sample_weight_mode", "target_tensors"}
        unknown = set(kwargs) - ignored
        if unknown:
            raise TypeError(
                f"compile() got unexpected keyword arguments {sorted(unknown)}. Known: optimizer, loss, "
                "loss_weights, metrics, weighted_metrics."
            )
        for identifier in flatten(loss) if isinstance(loss, (list, tuple, dict)) else [loss]:
            if isinstance(identifier, str):
                losses_module.get(identifier)  # unknown names fail here, not at the first batch
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self.loss_weights = loss_weights
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics}
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                                "metrics": metrics, "weighted_metrics": weighted_metrics}
        self._loss_entries = None
        self._metric_entries = None
        self._loss_tracker = Mean(name="loss")
        self._train_weights = list(self.trainable_weights) if self.built else None
        self.compiled = True
        self.stop_training = False
        self._resolve_weight_hooks()

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(
                f"You must call compile() before {what}(): model.compile(optimizer='adam', loss='mse') "
                "tells the model how to learn."
            )

    def _resolve_weight_hooks(self):
        """Regularizers and constraints given by name ('l2', 'max_norm') become objects."""
        from kgen.training import constraints, regularizers

        for v in self.weights:
            if isinstance(v.regularizer, (str, dict)):
                v.regularizer = regularizers.get(v.regularizer)
            if isinstance(v.constraint, (str, dict)):
                v.constraint = constraints.get(v.constraint)

    # ------------------------------------------------------------------ structure
    def _output_names(self):
        structure = getattr(self, "_output_structure", None)
        if isinstance(structure, dict):
            return list(structure)
        if getattr(self, "output_names", None):
            return list(self.output_names)
        outputs = getattr(self, "outputs", None)
        if outputs:
            return [t._keras_history[0].name for t in outputs]
        return None

    def _n_outputs(self):
        outputs = getattr(self, "outputs", None)
        return len(outputs) if outputs else None

    def _standardize_x(self, x):
        if isinstance(x, dict):
            return {k: _as_array(v, f"input '{k}'") for k, v in x.items()}
        n_inputs = len(getattr(self, "inputs", None) or []) or None
        if isinstance(x, (list, tuple)):
            if n_inputs == 1 and len(x) == 1:
                return _as_array(x[0], "x")
            if n_inputs == 1 or (n_inputs is None and all(np.isscalar(e) for e in x)):
                return _as_array(x, "x")
            return [_as_array(a, f"input {i}") for i, a in enumerate(x)]
        if x is None:
            raise ValueError("fit/evaluate need input data x; received x=None.")
        return _as_array(x, "x")

    def _standardize_y(self, y):
        """Targets as a flat list with one entry (array or None) per output."""
        if y is None:
            return None
        n, names = self._n_outputs(), self._output_names()
        if isinstance(y, dict):
            if names is None:
                return [_as_array(v, f"target '{k}'") for k, v in y.items()]
            unknown = [k for k in y if k not in names]
            if unknown:
                raise ValueError(
                    f"Target dict keys {unknown} do not match any output of model '{self.name}'. The outputs "
                    f"are named {names}."
                )
            return [None if y.get(k) is None else _as_array(y[k], f"target '{k}'") for k in names]
        if isinstance(y, (list, tuple)) and not (n in (None, 1) and all(np.isscalar(e) for e in y)):
            if n == 1 and len(y) == 1:
                return [_as_array(y[0], "y")]
            if n is not None and n > 1 and len(y) != n:
                raise ValueError(
                    f"Model '{self.name}' has {n} outputs {names}, but y is a list of {len(y)} arrays. Pass "
                    "one target array per output (or a dict keyed by output name)."
                )
            if n in (None, 1):
                return [_as_array(y, "y")]
            return [None if a is None else _as_array(a, f"target {i}") for i, a in enumerate(y)]
        if n is not None and n > 1:
            raise ValueError(
                f"Model '{self.name}' has {n} outputs {names}; pass y as a list of {n} arrays or a dict "
                "keyed by output name, not a single array."
            )
        return [_as_array(y, "y")]

    def _standardize_sample_weight(self, sample_weight, n_targets):
        if sample_weight is None:
            return None
        if isinstance(sample_weight, dict):
            names = self._output_names() or []
            return [None if sample_weight.get(k) is None else np.asarray(sample_weight[k], np.float32) for k in names]
        if isinstance(sample_weight, (list, tuple)):
            return [None if s is None else np.asarray(s, np.float32) for s in sample_weight]
        return [np.asarray(sample_weight, np.float32)] * max(n_targets, 1)

    def _prepare_arrays(self, x, y, sample_weight, class_weight=None):
        x = self._standardize_x(x)
        y = self._standardize_y(y)
        sw = self._standardize_sample_weight(sample_weight, len(y) if y else 1)
        if class_weight is not None and y is not None:
            cw = _class_weights_to_sample_weights(y, class_weight)
            sw = [cw if s is None else s * cw for s in (sw or [None] * len(y))]
        return x, y, sw

    def _make_data(self, x, y, sample_weight, batch_size, shuffle, steps, class_weight=None):
        if _is_iterable_data(x):
            if y is not None:
                raise ValueError("When x is a generator or a Sequence, it yields the targets too: do not pass y.")
            return _IterData(x, steps, shuffle=bool(shuffle))
        return _ArrayData(*self._prepare_arrays(x, y, sample_weight, class_weight), batch_size, shuffle, steps)

    # ------------------------------------------------------------------ loss
    def _ensure_built_spec(self, y_true, flat_pred):
        names = self._output_names() or [f"output_{i}" for i in range(len(flat_pred))]
        if len(names) != len(flat_pred):
            names = [f"output_{i}" for i in range(len(flat_pred))]
        if self._loss_entries is None:
            args = self._compile_args
            self._loss_entries = _build_losses(args["loss"], args["loss_weights"], names) if args["loss"] is not None else []
            y_true = y_true or [None] * len(flat_pred)
            preds = [p.data if isinstance(p, Tensor) else p for p in flat_pred]
            self._metric_entries = _metric_names(
                _build_metrics(args["metrics"], names, y_true, preds, False),
                _build_metrics(args["weighted_metrics"], names, y_true, preds, True),
                names,
            )
        if self._train_weights is None:
            self._train_weights = list(self.trainable_weights)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the weighted compiled losses plus `model.losses` (regularizers, add_loss)."""
        flat_pred = flatten(y_pred)
        y_flat = y if y is None or isinstance(y, list) else [y]
        self._ensure_built_spec(y_flat, flat_pred)
        resolver = _SymbolicResolver(self, x, flat_pred, training)
        total = None
        self._last_loss_values = {}
        for entry in self._loss_entries:
            y_true = y_flat[entry.index] if y_flat is not None and entry.index < len(y_flat) else None
            if y_true is None:
                raise ValueError(
                    f"Output '{entry.name if len(self._loss_entries) == 1 else entry.tracker.name[:-5]}' has a "
                    "loss but no target was given for it. Pass y (or its dict entry), or set its loss to None."
                )
            sw = sample_weight[entry.index] if sample_weight is not None and entry.index < len(sample_weight) else None
            value = _loss_value(entry.fn, y_true, flat_pred[entry.index], sw, resolver)
            self._last_loss_values[entry] = value
            if entry.weight is not None:
                value = ops.multiply(value, float(entry.weight))
            total = value if total is None else ops.add(total, value)
        for extra in self.losses:
            if callable(extra) and not isinstance(extra, Tensor):
                extra = extra()
            if _is_symbolic(extra):
                extra = resolver.resolve(extra)
            term = ops.sum(extra) if isinstance(extra, Tensor) else float(np.sum(as_array(extra)))
            total = term if total is None else ops.add(total, term)
        if total is None:
            raise ValueError(
                f"No loss to compute for model '{self.name}'. Provide a `loss` argument in compile(), or "
                "add a loss with model.add_loss(...)."
            )
        return total

    # ------------------------------------------------------------------ steps
    def _clear_call_losses(self):
        """Forget losses added by add_loss() during previous calls (symbolic ones are kept)."""
        stack, seen = [self], set()
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            kept = [l for l in layer.__dict__.get("_losses", []) if _is_symbolic(l) or (callable(l) and not isinstance(l, Tensor))]
            if "_losses" in layer.__dict__:
                layer._losses[:] = kept
            stack.extend(layer.__dict__.get("_layers", []))

    def _forward_and_loss(self, x, y, sample_weight, training):
        self._clear_call_losses()
        y_pred = self(x, training=training)
        total = self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return y_pred, total

    def _train_step(self, x, y, sample_weight):
        # A model built after compile (Sequential without an Input) fixes its list on this batch.
        frozen = [v for v in self._train_weights or [] if not v.requires_grad]
        for v in frozen:  # weights compiled as trainable and frozen since still train until recompiled
            v.requires_grad = True
        try:
            with enable_grad():
                y_pred, total = self._forward_and_loss(x, y, sample_weight, training=True)
            weights = self._train_weights
            if weights:
                if not (isinstance(total, Tensor) and total.requires_grad):
                    raise ValueError(
                        "The loss is not connected to the model's weights, so there is nothing to learn from. "
                        "Compute custom losses with keras.ops / K functions on y_pred: numpy functions "
                        "(np.mean, np.square, ...) or .numpy() break the gradient chain."
                    )
                grads = gradients(total, weights)
        finally:
            for v in frozen:
                v.requires_grad = False
        if weights:
            self.optimizer.apply(grads, weights)
        self._update_metrics(total, y, y_pred, sample_weight)
        return self._metrics_result()

    def _test_step(self, x, y, sample_weight):
        with no_grad():
            y_pred, total = self._forward_and_loss(x, y, sample_weight, training=False)
        self._update_metrics(total, y, y_pred, sample_weight)
        return self._metrics_result()

    def _update_metrics(self, total, y, y_pred, sample_weight):
        flat_pred = flatten(y_pred)
        batch = len(flat_pred[0].data if isinstance(flat_pred[0], Tensor) else flat_pred[0])
        self._loss_tracker.update_state(float(as_array(total)), sample_weight=batch)
        for entry, value in self._last_loss_values.items():
            if entry.tracker is not None:
                entry.tracker.update_state(float(as_array(value)), sample_weight=batch)
        for i, metric, _, weighted in self._metric_entries:
            if y is None or y[i] is None:
                continue
            pred = flat_pred[i].data if isinstance(flat_pred[i], Tensor) else np.asarray(flat_pred[i])
            sw = sample_weight[i] if weighted and sample_weight is not None else None
            if sw is not None:
                metric.update_state(y[i], pred, sample_weight=sw)
            else:
                metric.update_state(y[i], pred)

    def _metrics_result(self):
        logs = {"loss": self._loss_tracker.result()}
        for _, metric, name, _ in self._metric_entries or []:
            logs[name] = float(metric.result())
        for entry in self._loss_entries or []:
            if entry.tracker is not None:
                logs[entry.tracker.name] = entry.tracker.result()
        return logs

    get_metrics_result = _metrics_result

    @property
    def metrics(self):
        """The Metric objects fit reports: the loss, compiled metrics, per-output losses."""
        if not self.compiled:
            return []
        out = [self._loss_tracker] + [m for _, m, _, _ in self._metric_entries or []]
        return out + [e.tracker for e in self._loss_entries or [] if e.tracker is not None]

    @property
    def metrics_names(self):
        if not self.compiled:
            return []
        return list(self._metrics_result())

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for `epochs` passes over the data; returns a History (`history.history['loss']`).

        Args:
            x: inputs: an array, a list of arrays (one per Input), a dict keyed by input name,
                or a generator / Sequence yielding (x, y) batches.
            y: targets: an array, a list (one per output) or a dict keyed by output name.
            batch_size: samples per gradient step (default 32).
            epochs: the index of the last epoch (training runs epochs initial_epoch..epochs-1).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch ('auto' = 1).
            callbacks: a list of keras.callbacks.Callback.
            validation_split: the fraction of the data, taken from the END of the arrays
                before any shuffling, held out to compute `val_*` at each epoch end.
            validation_data: (x_val, y_val) or (x_val, y_val, sample_weight_val).
            shuffle: reshuffle the training samples at each epoch.
            class_weight, sample_weight: weight the loss per class / per sample.
            initial_epoch: the epoch to start at (to resume a run).
        """
        if "nb_epoch" in kwargs:  # Keras 1
            warnings.warn("`nb_epoch` is the Keras 1 name of `epochs`; use epochs=...", stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments {sorted(kwargs)}.")
        self._require_compiled("fit")
        verbose = _verbose(verbose)
        if validation_split and validation_data is None:
            if _is_iterable_data(x):
                raise ValueError("validation_split is only supported for array inputs; pass validation_data instead.")
            arrays = self._prepare_arrays(x, y, sample_weight, class_weight)
            (tx, ty, tsw), (vx, vy, vsw) = _split_last(arrays, validation_split)
            train = _ArrayData(tx, ty, tsw, batch_size, shuffle, steps_per_epoch)
            val = _ArrayData(vx, vy, vsw, validation_batch_size or batch_size, False, validation_steps)
        else:
            train = self._make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight)
            val = None
            if validation_data is not None:
                if _is_iterable_data(validation_data):
                    val = _IterData(validation_data, validation_steps)
                else:
                    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                        raise ValueError(
                            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight); "
                            f"received {type(validation_data).__name__}."
                        )
                    vx, vy, vsw = (tuple(validation_data) + (None,))[:3]
                    val = self._make_data(vx, vy, vsw, validation_batch_size or batch_size, False, validation_steps)
        from kgen.training.callbacks import CallbackList

        callbacks = CallbackList(callbacks, model=self, add_history=True, add_progbar=verbose != 0,
                                 verbose=verbose, epochs=epochs, steps=train.steps)
        self.history = callbacks.history
        self.stop_training = False
        self._resolve_weight_hooks()
        callbacks.on_train_begin()
        training_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = None
            for step, (xb, yb, swb) in enumerate(train.epoch()):
                callbacks.on_train_batch_begin(step)
                logs = self._train_step(xb, yb, swb)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if logs is None:
                raise ValueError("fit() ran an epoch with no batches: the data is empty.")
            epoch_logs = dict(self._metrics_result())
            if val is not None and self._should_validate(epoch, validation_freq):
                val_logs = self._run_evaluation(val, callbacks)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        callbacks.on_train_end(training_logs)
        return self.history

    @staticmethod
    def _should_validate(epoch, validation_freq):
        if isinstance(validation_freq, int):
            return (epoch + 1) % validation_freq == 0
        return epoch + 1 in validation_freq

    def _run_evaluation(self, data, callbacks):
        self.reset_metrics()
        callbacks.on_test_begin()
        logs = None
        for step, (xb, yb, swb) in enumerate(data.epoch()):
            callbacks.on_test_batch_begin(step)
            logs = self._test_step(xb, yb, swb)
            callbacks.on_test_batch_end(step, logs)
        if logs is None:
            raise ValueError("evaluate() received no batches: the data is empty.")
        logs = dict(self._metrics_result())
        callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics on (x, y): a number when there is only the loss, else a list
        (`model.metrics_names` order), or a dict with `return_dict=True`."""
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments {sorted(kwargs)}.")
        self._require_compiled("evaluate")
        verbose = _verbose(verbose)
        data = self._make_data(x, y, sample_weight, batch_size, False, steps)
        from kgen.training.callbacks import CallbackList

        callbacks = CallbackList(callbacks, model=self, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                 steps=data.steps)
        logs = self._run_evaluation(data, callbacks)
        return logs if return_dict else _flatten_logs(logs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False, reset_metrics=True):
        """One gradient step on one batch; returns that batch's loss (and metrics)."""
        self._require_compiled("train_on_batch")
        if reset_metrics:
            self.reset_metrics()
        data = self._make_data(x, y, sample_weight, None, False, None, class_weight)
        xb, yb, swb = data.x, data.y, data.sample_weight
        self._resolve_weight_hooks()
        logs = self._train_step(xb, yb, swb)
        return logs if return_dict else _flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False, reset_metrics=True):
        """The loss (and metrics) on one batch, without updating the weights."""
        self._require_compiled("test_on_batch")
        if reset_metrics:
            self.reset_metrics()
        data = self._make_data(x, y, sample_weight, None, False, None)
        logs = self._test_step(data.x, data.y, data.sample_weight)
        return logs if return_dict else _flatten_logs(logs)

    # Keras 2 generator methods ------------------------------------------------
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None, max_queue_size=10,
                      workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Keras 2's fit_generator: the same as fit(generator, steps_per_epoch=...)."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    # ------------------------------------------------------------------ saving
    def save(self, filepath, overwrite=True, include_optimizer=True, **kwargs):
        """Save config (JSON), weights and optimizer state in one file; reload with keras.models.load_model."""
        from kgen.training import persistence

        persistence.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Save the weights only (in get_weights() order, with their names and shapes)."""
        from kgen.training import persistence

        persistence.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights saved by save_weights (or model.save) into this model's weights."""
        from kgen.training import persistence

        persistence.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string (keras.models.model_from_json rebuilds it)."""
        from kgen.training import persistence

        return persistence.model_to_json(self, **kwargs)

    def get_compile_config(self):
        from kgen.training import persistence

        return persistence.compile_config(self) if self.compiled else None

    def compile_from_config(self, config):
        from kgen.training import persistence

        persistence.compile_from_config(self, config)


def _flatten_logs(logs):
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _loss_value(fn, y_true, y_pred, sample_weight, resolver):
    """One output's loss as a scalar Tensor (Keras' LossFunctionWrapper + reduction)."""
    from kgen.training import losses as losses_module

    dtype = y_pred.dtype if isinstance(y_pred, Tensor) and y_pred.dtype.kind == "f" else np.dtype("float32")
    target = Tensor(np.asarray(y_true, dtype=dtype))
    if isinstance(fn, losses_module.Loss):
        value = fn(target, y_pred, sample_weight)
        return resolver.resolve(value) if _is_symbolic(value) else value
    target, pred = losses_module.squeeze_or_expand_to_same_rank(target, y_pred)
    values = fn(target, pred)
    if _is_symbolic(values):
        values = resolver.resolve(values)
    if not isinstance(values, Tensor):
        values = Tensor(as_array(values))
    return losses_module.reduce_values(values, sample_weight)


class _SymbolicResolver:
    """Evaluates a symbolic tensor built on the model's graph with this step's values.

    Known values: the model inputs (this batch) and outputs (this step's predictions). Other
    tensors are computed by calling their layers again, so gradients flow through them.
    """

    def __init__(self, model, x, flat_pred, training):
        self.model, self.x, self.flat_pred, self.training = model, x, flat_pred, training
        self.memo = None

    def _known(self):
        memo = {}
        model = self.model
        inputs = getattr(model, "inputs", None) or []
        if inputs and self.x is not None:
            if hasattr(model, "_flatten_inputs"):
                flat_x = model._flatten_inputs(self.x)
            else:
                flat_x = flatten(self.x) if isinstance(self.x, (list, tuple, dict)) else [self.x]
            for kt, value in zip(inputs, flat_x):
                memo[id(kt)] = value if isinstance(value, Tensor) else Tensor(as_array(value).astype(kt.dtype))
        for kt, value in zip(getattr(model, "outputs", None) or [], self.flat_pred):
            memo[id(kt)] = value
        return memo

    def resolve(self, tensor):
        from kgen.graph.layer import training_scope

        if self.memo is None:
            self.memo = self._known()
        with training_scope(bool(self.training)):
            return self._value(tensor)

    def _value(self, kt):
        if id(kt) in self.memo:
            return self.memo[id(kt)]
        layer, node_index, _ = kt._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            raise ValueError(
                f"A loss uses the Input '{layer.name}', which is not an input of model '{self.model.name}'. "
                "Add it to Model(inputs=[...]) and feed it in fit."
            )
        args, kwargs = map_structure(
            lambda t: self._value(t) if _is_symbolic(t) else t, (node.call_args, node.call_kwargs)
        )
        out = node.layer(*args, **kwargs)
        for produced, value in zip(node.output_tensors, flatten(out)):
            self.memo[id(produced)] = value
        return self.memo[id(kt)]
