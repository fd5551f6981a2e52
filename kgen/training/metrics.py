"""Metrics: numbers that report how training goes, accumulated over an epoch.

A `Metric` keeps state (`update_state(y_true, y_pred)` per batch, `result()`, `reset_state()`).
A plain function `metric(y_true, y_pred)` returning per-sample values (e.g. `mse`, or one you
write with `K`/`keras.ops`) is wrapped in `MeanMetricWrapper`, which averages it over every
sample seen. Metrics never need gradients: they receive numpy arrays.

`"accuracy"` in `compile(metrics=[...])` is resolved like Keras 3 does
(`keras/src/trainers/compile_utils.py`): binary accuracy when the prediction has one unit,
sparse categorical accuracy when the target has one fewer axis (or one column against many),
categorical accuracy otherwise.
"""

from __future__ import annotations

import numpy as np

from kgen.lookup import deserialize_compiled, serialize_compiled
from kgen.engine.tensor import Variable, as_array
from kgen.training import losses as losses_module


class MetricVariable(Variable):
    """A non-trainable Variable with `assign_add` / `assign_sub` (metric state)."""

    __slots__ = ("_initial_value",)

    def assign_add(self, value):
        self.assign(self.data + as_array(value))

    def assign_sub(self, value):
        self.assign(self.data - as_array(value))


class Metric:
    """Base class. Subclass it: create state with `add_variable` in `__init__`, then write
    `update_state(y_true, y_pred, sample_weight=None)`, `result()` and (optionally) `reset_state()`.
    """

    def __init__(self, name=None, dtype=None):
        from kgen.graph.naming import to_snake_case

        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or "float32"
        self._variables = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        from kgen import initializers

        value = initializers.get(initializer)(tuple(shape), dtype=dtype or self.dtype)
        variable = MetricVariable(value, name=name or f"variable_{len(self._variables)}", trainable=False,
                                  dtype=dtype or self.dtype)
        variable._initial_value = np.array(value, copy=True)
        self._variables.append(variable)
        return variable

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None, aggregation="sum"):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        return list(self.__dict__.get("_variables", []))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"Metric {type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"Metric {type(self).__name__} must implement result().")

    def reset_state(self):
        for v in self.variables:
            v.assign(v._initial_value)

    reset_states = reset_state  # Keras 2 spelling

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _per_sample(values, sample_weight=None):
    """Values reduced to one per sample (mean over the other axes), and matching weights."""
    values = np.asarray(as_array(values), dtype=np.float64)
    if values.ndim > 1:
        values = values.reshape(values.shape[0], -1).mean(axis=1)
    if sample_weight is None:
        return values.reshape(-1), None
    weight = np.asarray(as_array(sample_weight), dtype=np.float64).reshape(-1)
    return values.reshape(-1), np.broadcast_to(weight, values.reshape(-1).shape)


class Mean(Metric):
    """The (weighted) mean of every value passed to `update_state(values, sample_weight)`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values = np.asarray(as_array(values), dtype=np.float64)
        if values.ndim == 0:
            weight = 1.0 if sample_weight is None else float(np.sum(as_array(sample_weight)))
            self.total.assign_add(float(values) * weight)
            self.count.assign_add(weight)
            return
        values, weight = _per_sample(values, sample_weight)
        if weight is None:
            self.total.assign_add(values.sum())
            self.count.assign_add(values.size)
        else:
            self.total.assign_add((values * weight).sum())
            self.count.assign_add(weight.sum())

    def result(self):
        count = float(self.count.data)
        return float(self.total.data) / count if count else 0.0


class Sum(Metric):
    """The sum of every value passed to `update_state`."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values = np.asarray(as_array(values), dtype=np.float64)
        if sample_weight is not None:
            values = values * np.asarray(as_array(sample_weight), dtype=np.float64)
        self.total.assign_add(values.sum())

    def result(self):
        return float(self.total.data)


class MeanMetricWrapper(Mean):
    """Averages a per-sample function `fn(y_true, y_pred)` over every sample seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "metric"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


# ---------------------------------------------------------------------------- functions
def _arrays(y_true, y_pred):
    return np.asarray(as_array(y_true)), np.asarray(as_array(y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per sample: the fraction of entries where (y_pred > threshold) equals y_true."""
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    elif y_pred.ndim == y_true.ndim - 1:
        y_pred = y_pred[..., None]
    hits = (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(np.float32)
    return hits.mean(axis=-1)


def categorical_accuracy(y_true, y_pred):
    """Per sample: 1 when argmax(y_pred) equals argmax(y_true) (one-hot targets)."""
    y_true, y_pred = _arrays(y_true, y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """Per sample: 1 when argmax(y_pred) equals the integer target."""
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true.astype(np.int64) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def accuracy(y_true, y_pred):
    """Per sample: the fraction of entries where y_pred equals y_true exactly."""
    y_true, y_pred = _arrays(y_true, y_pred)
    return (y_true == y_pred).astype(np.float32).mean(axis=-1) if y_true.ndim > 1 else (y_true == y_pred).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _arrays(y_true, y_pred)
    return sparse_top_k_categorical_accuracy(np.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    return np.any(top == y_true.astype(np.int64)[..., None], axis=-1).astype(np.float32)


def _numpy_loss(fn):
    def metric(y_true, y_pred, **kwargs):
        return np.asarray(as_array(fn(np.asarray(as_array(y_true), np.float32), np.asarray(as_array(y_pred)), **kwargs)))

    metric.__name__ = fn.__name__
    metric.__doc__ = fn.__doc__
    return metric


mean_squared_error = mse = _numpy_loss(losses_module.mean_squared_error)
mean_absolute_error = mae = _numpy_loss(losses_module.mean_absolute_error)
mean_absolute_percentage_error = mape = _numpy_loss(losses_module.mean_absolute_percentage_error)
mean_squared_logarithmic_error = msle = _numpy_loss(losses_module.mean_squared_logarithmic_error)
binary_crossentropy = _numpy_loss(losses_module.binary_crossentropy)
categorical_crossentropy = _numpy_loss(losses_module.categorical_crossentropy)
sparse_categorical_crossentropy = _numpy_loss(losses_module.sparse_categorical_crossentropy)
hinge = _numpy_loss(losses_module.hinge)
squared_hinge = _numpy_loss(losses_module.squared_hinge)
categorical_hinge = _numpy_loss(losses_module.categorical_hinge)
kl_divergence = kld = _numpy_loss(losses_module.kl_divergence)
poisson = _numpy_loss(losses_module.poisson)
log_cosh = logcosh = _numpy_loss(losses_module.log_cosh)
cosine_similarity = _numpy_loss(losses_module.cosine_similarity)


# ---------------------------------------------------------------------------- classes
def _wrapper(class_name, fn, default_name, params=()):
    param_names = [p for p, _ in params]

    def __init__(self, name=default_name, dtype=None, **kwargs):
        values = dict(params)
        unknown = set(kwargs) - set(param_names)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments {sorted(unknown)}.")
        values.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)

    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "__doc__": f"The mean of `{fn.__name__}` over every sample seen.",
    })


BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy", (("threshold", 0.5),))
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
Accuracy = _wrapper("Accuracy", accuracy, "accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", (("k", 5),))
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", (("k", 5),))
MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                              (("from_logits", False), ("label_smoothing", 0.0)))
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
                                   (("from_logits", False), ("label_smoothing", 0.0)))
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", (("from_logits", False),))
Hinge = _wrapper("Hinge", hinge, "hinge")
KLDivergence = _wrapper("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", poisson, "poisson")
LogCoshError = _wrapper("LogCoshError", log_cosh, "logcosh")
CosineSimilarity = _wrapper("CosineSimilarity", lambda t, p: -cosine_similarity(t, p), "cosine_similarity")


class RootMeanSquaredError(Mean):
    """sqrt of the mean squared error over every sample seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _arrays(y_true, y_pred)
        super().update_state(np.square(y_true.astype(np.float64) - y_pred).reshape(len(y_pred), -1), sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


_FUNCTIONS = {
    "accuracy": accuracy, "acc": accuracy, "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy, "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error, "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mean_absolute_percentage_error": mape, "mape": mape, "mean_squared_logarithmic_error": msle, "msle": msle,
    "binary_crossentropy": binary_crossentropy, "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy, "hinge": hinge,
    "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge, "kl_divergence": kl_divergence,
    "kld": kl_divergence, "poisson": poisson, "logcosh": log_cosh, "log_cosh": log_cosh,
    "cosine_similarity": cosine_similarity,
}
_CLASSES = {cls.__name__: cls for cls in (
    Mean, Sum, MeanMetricWrapper, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, Accuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Hinge, KLDivergence, Poisson, LogCoshError, CosineSimilarity,
    RootMeanSquaredError,
)}


def get(identifier):
    """A metric function or object from a name, a config dict, a Metric or a function."""
    if isinstance(identifier, str):
        found = _FUNCTIONS.get(identifier) or _CLASSES.get(identifier)
        if found is None:
            raise ValueError(
                f"Unknown metric function: '{identifier}'. Known names: {sorted(k for k in _FUNCTIONS if k.islower())}. "
                "You can also pass a function metric(y_true, y_pred) or a keras.metrics.Metric instance."
            )
        return found() if isinstance(found, type) else found
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown metric config: {identifier}")
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def resolve(identifier, y_true, y_pred, loss=None):
    """The Metric object `compile(metrics=[identifier])` uses for one output (Keras 3's rules)."""
    if identifier is None:
        return None
    if str(identifier).lower() in ("accuracy", "acc") and isinstance(identifier, str):
        t_rank, p_rank = np.ndim(y_true), np.ndim(y_pred)
        t_last = np.shape(y_true)[-1] if t_rank else 1
        p_last = np.shape(y_pred)[-1] if p_rank else 1
        if p_last == 1:
            metric = BinaryAccuracy(name=identifier)
        elif t_rank < p_rank or (t_last == 1 and p_last > 1):
            metric = SparseCategoricalAccuracy(name=identifier)
        else:
            metric = CategoricalAccuracy(name=identifier)
        return metric
    found = get(identifier)
    if isinstance(found, Metric):
        if isinstance(identifier, str):
            found.name = identifier
        return found
    name = identifier if isinstance(identifier, str) else getattr(found, "__name__", type(found).__name__)
    return MeanMetricWrapper(found, name=name)


def serialize(metric):
    return serialize_compiled(metric, Metric, MeanMetricWrapper, _CLASSES, _FUNCTIONS)


def deserialize(config, custom_objects=None):
    return deserialize_compiled(config, "metric", _CLASSES, get, custom_objects)
