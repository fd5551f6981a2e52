"""Loss functions, as Keras 3 defines them, built from engine ops (so they have gradients).

Each loss has two faces, as in Keras:
- a function `loss(y_true, y_pred)` returning one value per sample (the last axis averaged
  or summed away), e.g. `mean_squared_error`;
- a class `MeanSquaredError()` whose call reduces those values to one number
  (`reduction="sum_over_batch_size"`: the mean over every value, weighted by
  `sample_weight` when given).

`compile(loss=...)` accepts a name (`"mse"`), a function, a `Loss` instance, or any callable
`loss(y_true, y_pred)` you write with `keras.ops` / `K` functions. Formulas follow
`keras/src/losses/losses.py` and the JAX backend (`keras/src/backend/jax/nn.py`):
probabilities are clipped to `[epsilon, 1 - epsilon]` (epsilon = 1e-7) before a log.
"""

from __future__ import annotations

import inspect

import numpy as np

from kgen.lookup import deserialize_compiled, serialize_compiled
from kgen.engine import ops
from kgen.engine.tensor import Tensor, as_array

EPSILON = 1e-7


def _rank(x):
    return len(np.shape(x)) if not hasattr(x, "shape") else len(x.shape)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by a trailing axis of size 1 (Keras' rule)."""
    r1, r2 = _rank(x1), _rank(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def _float_like(y_true, y_pred):
    """y_true as a constant in y_pred's float dtype (targets never need a gradient)."""
    dtype = getattr(y_pred, "dtype", np.dtype("float32"))
    if isinstance(y_true, Tensor) and y_true.dtype == dtype:
        return y_true
    array = as_array(y_true)
    if isinstance(y_pred, Tensor):
        return Tensor(array.astype(dtype, copy=False))
    return array.astype(dtype, copy=False)


# ---------------------------------------------------------------------------- functions
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)^2) over the last axis."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|) over the last axis."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), EPSILON)))
    return ops.multiply(100.0, ops.mean(diff, axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2) over the last axis."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, EPSILON), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, EPSILON), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-(t log p + (1 - t) log(1 - p)), averaged over `axis`.

    With `from_logits=True`, `y_pred` are logits and log-sigmoid is used (no clipping);
    otherwise probabilities are clipped to [1e-7, 1 - 1e-7].
    """
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        # log(sigmoid(x)) = -softplus(-x); log(1 - sigmoid(x)) = -softplus(x)
        bce = ops.add(
            ops.multiply(y_true, ops.softplus(ops.negative(y_pred))),
            ops.multiply(ops.subtract(1.0, y_true), ops.softplus(y_pred)),
        )
        return ops.mean(bce, axis=axis)
    p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    bce = ops.add(
        ops.multiply(y_true, ops.log(p)),
        ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, p))),
    )
    return ops.mean(ops.negative(bce), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t * log p) over `axis`; p renormalised to sum to 1 and clipped, or log_softmax of logits."""
    y_true = _float_like(y_true, y_pred)
    if label_smoothing:
        n = y_pred.shape[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        log_prob = ops.log_softmax(y_pred, axis=axis)
    else:
        p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
        log_prob = ops.log(ops.clip(p, EPSILON, 1.0 - EPSILON))
    return ops.negative(ops.sum(ops.multiply(y_true, log_prob), axis=axis))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """categorical_crossentropy with integer class targets (shape (batch,) or (batch, 1))."""
    labels = np.asarray(as_array(y_true))
    if labels.ndim == len(y_pred.shape) and labels.shape[-1] == 1:
        labels = labels[..., 0]
    labels = labels.astype(np.int64)
    n = y_pred.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= n) and ignore_class is None:
        bad = labels[(labels < 0) | (labels >= n)].ravel()[0]
        raise ValueError(
            f"sparse_categorical_crossentropy: target class {bad} is out of range for a prediction "
            f"with {n} classes (valid: 0..{n - 1}). Check the number of units of the last layer, "
            "or use categorical_crossentropy for one-hot targets."
        )
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    one_hot = np.eye(n, dtype=y_pred.dtype)[labels]
    target = Tensor(one_hot) if isinstance(y_pred, Tensor) else one_hot
    out = categorical_crossentropy(target, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        out = ops.multiply(out, valid.astype(y_pred.dtype))
    return out


def hinge(y_true, y_pred):
    """mean(max(1 - t * y, 0)); 0/1 targets are first mapped to -1/1."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true = _binary_to_signed(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - t * y, 0)^2); 0/1 targets are first mapped to -1/1."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true = _binary_to_signed(y_true)
    return ops.mean(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - t) * y) - sum(t * y) + 1, 0)."""
    y_true = _float_like(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def _binary_to_signed(y_true):
    values = as_array(y_true)
    if np.all((values == 0) | (values == 1)):
        return ops.subtract(ops.multiply(2.0, y_true), 1.0)
    return y_true


def kl_divergence(y_true, y_pred):
    """sum(t * log(t / p)) over the last axis, both clipped to [epsilon, 1]."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    t = ops.clip(y_true, EPSILON, 1.0)
    p = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(ops.multiply(t, ops.log(ops.divide(t, p))), axis=-1)


def poisson(y_true, y_pred):
    """mean(p - t * log(p + epsilon)) over the last axis."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, EPSILON)))), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(p - t))) over the last axis (computed stably as x + softplus(-2x) - log 2)."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(-2.0, x))), float(np.log(2.0))), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean of 0.5 e^2 where |e| <= delta, else delta * |e| - 0.5 delta^2 (e = p - t)."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(0.5, ops.square(error))
    linear = ops.subtract(ops.multiply(delta, abs_error), 0.5 * delta * delta)
    return ops.mean(ops.where(as_array(abs_error) <= delta, quadratic, linear), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(t) * l2_normalize(p)): -1 for parallel vectors, the value minimised."""
    y_true = _float_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    t = ops.l2_normalize(y_true, axis=axis)
    p = ops.l2_normalize(y_pred, axis=axis)
    return ops.negative(ops.sum(ops.multiply(t, p), axis=axis))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


# ---------------------------------------------------------------------------- reduction
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Per-sample loss values -> one number (or the weighted values for reduction='none')."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid loss reduction {reduction!r}. Expected one of {REDUCTIONS}.")
    if sample_weight is not None:
        weight = as_array(sample_weight).astype(values.dtype if hasattr(values, "dtype") else np.float32)
        while weight.ndim > _rank(values) and weight.shape[-1] == 1:
            weight = weight[..., 0]
        while weight.ndim < _rank(values):
            weight = weight[..., None]
        values = ops.multiply(values, weight)
    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        weight = np.broadcast_to(weight, np.shape(as_array(values)))
        return ops.divide(total, max(float(np.sum(weight)), EPSILON))
    size = int(np.prod(np.shape(as_array(values))))
    return ops.divide(total, float(max(size, 1)))


# ---------------------------------------------------------------------------- classes
class Loss:
    """Base class: `__call__(y_true, y_pred, sample_weight=None)` reduces `call(y_true, y_pred)`.

    Subclass it and write `call` returning one value per sample (or per element).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`: {reduction!r}. Expected one of {REDUCTIONS}.")
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_values(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """Turns a per-sample function `fn(y_true, y_pred, **kwargs)` into a Loss."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _wrapper_class(class_name, fn, default_name, params=()):
    """A Loss class whose constructor takes `params` (name, default) and forwards them to fn."""
    param_names = [p for p, _ in params]

    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None, **kwargs):
        values = dict(params)
        for key, value in zip(param_names, args):
            values[key] = value
        unknown = set(kwargs) - set(param_names)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments {sorted(unknown)}.")
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **values)
        for key, value in values.items():
            setattr(self, key, value)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, **{p: getattr(self, p) for p in param_names}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    doc = f"`{default_name}` as a Loss object (see `{fn.__name__}`)."
    return type(class_name, (LossFunctionWrapper,), {
        "__init__": __init__, "get_config": get_config, "from_config": from_config, "__doc__": doc,
    })


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "mean_squared_logarithmic_error")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
    (("from_logits", False), ("ignore_class", None)))
Hinge = _wrapper_class("Hinge", hinge, "hinge")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapper_class("Poisson", poisson, "poisson")
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh")
Huber = _wrapper_class("Huber", huber, "huber_loss", (("delta", 1.0),))
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, "cosine_similarity", (("axis", -1),))


# ---------------------------------------------------------------------------- lookup
_FUNCTIONS = {
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error, "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error, "mape": mean_absolute_percentage_error,
    "MAPE": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error, "msle": mean_squared_logarithmic_error,
    "MSLE": mean_squared_logarithmic_error,
    "binary_crossentropy": binary_crossentropy, "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "kl_divergence": kl_divergence, "kld": kl_divergence, "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence, "poisson": poisson,
    "log_cosh": log_cosh, "logcosh": log_cosh, "huber": huber, "huber_loss": huber,
    "cosine_similarity": cosine_similarity, "cosine_proximity": cosine_similarity,
}
_CLASSES = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, LogCosh, Huber, CosineSimilarity, LossFunctionWrapper,
)}


def get(identifier):
    """A loss from a name ('mse', 'binary_crossentropy'), a config dict, a Loss, or a function."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        fn = _FUNCTIONS.get(identifier) or _CLASSES.get(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown loss function: '{identifier}'. Known names: "
                f"{sorted(k for k in _FUNCTIONS if k.islower())}. You can also pass a function "
                "loss(y_true, y_pred) or a keras.losses.Loss instance."
            )
        return fn() if isinstance(fn, type) else fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Pass a name, a function or a Loss.")


def serialize(loss):
    """A JSON-able description of a loss: its name, or {'class_name', 'config'} for a Loss object."""
    return serialize_compiled(loss, Loss, LossFunctionWrapper, _CLASSES, _FUNCTIONS)


def deserialize(config, custom_objects=None):
    return deserialize_compiled(config, "loss", _CLASSES, get, custom_objects)


def resolve_name(identifier, fn):
    """The name a loss is reported under (Keras: the string given, else the object's name)."""
    if isinstance(identifier, str):
        return identifier
    if isinstance(fn, Loss):
        return fn.name
    return getattr(fn, "__name__", type(fn).__name__)


def accepts_sample_weight(fn) -> bool:
    if isinstance(fn, Loss):
        return True
    try:
        return "sample_weight" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _snake(name):
    from kgen.graph.naming import to_snake_case

    return to_snake_case(name)
