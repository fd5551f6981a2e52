"""keras.backend (K): the Keras 2 backend functions the articles use, over kgen's ops.

Each function is eager on numpy input (returns numpy), returns an engine Tensor for
Tensor input (inside a layer's call), and builds a graph node for a symbolic tensor.
"""

from __future__ import annotations

import numpy as np

from kgen.engine import ops as _ops
from kgen.engine.ops.base import composite as _composite
from kgen.engine.tensor import Tensor, Variable, as_array
from kgen.graph import naming
from kgen.random import generator as _rng

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"

# --- configuration ------------------------------------------------------------------


def epsilon():
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value != "float32":
        raise ValueError("kgen computes in float32; set_floatx accepts only 'float32'.")
    _FLOATX = value


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value):
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"image data format must be 'channels_last' or 'channels_first'; received {value!r}.")
    _IMAGE_DATA_FORMAT = value


def backend():
    return "kgen"


def clear_session():
    """Reset automatic layer names (dense, dense_1, ...), as Keras does."""
    naming.reset()


def learning_phase():
    return 0


# --- making values -------------------------------------------------------------------


def variable(value, dtype=None, name=None, constraint=None):
    return Variable(as_array(value), name=name or "variable", dtype=dtype or _FLOATX)


def constant(value, dtype=None, shape=None, name=None):
    array = np.asarray(value, dtype=dtype or _FLOATX)
    if shape is not None:
        array = np.broadcast_to(array, shape).copy()
    return Tensor(array)


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape), dtype=dtype, name=name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype=dtype, name=name)


def eye(size, dtype=None, name=None):
    return variable(np.eye(size), dtype=dtype, name=name)


def zeros_like(x, dtype=None, name=None):
    return variable(np.zeros(int_shape(x)), dtype=dtype, name=name)


def ones_like(x, dtype=None, name=None):
    return variable(np.ones(int_shape(x)), dtype=dtype, name=name)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed) if seed is not None else _rng()
    return Tensor(rng.normal(mean, stddev, size=tuple(shape)).astype(dtype or _FLOATX))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed) if seed is not None else _rng()
    return Tensor(rng.uniform(minval, maxval, size=tuple(shape)).astype(dtype or _FLOATX))


random_normal_variable = random_normal
random_uniform_variable = random_uniform


def eval(x):  # noqa: A001 - Keras' name
    """The numpy value of a tensor or variable."""
    if getattr(type(x), "_kgen_symbolic", False):
        raise TypeError(
            f"K.eval() needs a value, but {x!r} is symbolic (it has no values until the model "
            "runs). Evaluate the model with model.predict(...) instead."
        )
    return np.asarray(as_array(x))


get_value = eval


def set_value(x, value):
    x.assign(value)


def batch_get_value(xs):
    return [eval(x) for x in xs]


def batch_set_value(pairs):
    for x, value in pairs:
        x.assign(value)


# --- shapes ---------------------------------------------------------------------------


def int_shape(x):
    """The shape as a tuple of ints (None where unknown, e.g. the batch of an Input)."""
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def shape(x):
    return int_shape(x)


def ndim(x):
    return len(int_shape(x))


def dtype(x):
    return np.dtype(getattr(x, "dtype", np.asarray(x).dtype)).name


def count_params(x):
    return int(np.prod(int_shape(x)))


def is_keras_tensor(x):
    return getattr(type(x), "_kgen_symbolic", False)


# --- maths ----------------------------------------------------------------------------

abs = _ops.abs  # noqa: A001
exp = _ops.exp
log = _ops.log
sqrt = _ops.sqrt
square = _ops.square
sign = _ops.sign
round = _ops.round  # noqa: A001
sin = _ops.sin
cos = _ops.cos
pow = _ops.power  # noqa: A001
maximum = _ops.maximum
minimum = _ops.minimum
equal = _ops.equal
not_equal = _ops.not_equal
greater = _ops.greater
greater_equal = _ops.greater_equal
less = _ops.less
less_equal = _ops.less_equal
relu = _ops.relu
elu = _ops.elu
sigmoid = _ops.sigmoid
hard_sigmoid = _ops.hard_sigmoid
tanh = _ops.tanh
softplus = _ops.softplus
softsign = _ops.softsign
dot = _ops.dot
batch_dot = _ops.batch_dot
transpose = _ops.transpose
reshape = _ops.reshape
expand_dims = _ops.expand_dims
concatenate = _ops.concatenate
stack = _ops.stack
tile = _ops.tile
l2_normalize = _ops.l2_normalize
gather = _ops.take
argmax = _ops.argmax
argmin = _ops.argmin


def softmax(x, axis=-1):
    return _ops.softmax(x, axis=axis)


def clip(x, min_value, max_value):
    return _ops.clip(x, min_value, max_value)


def cast(x, dtype):
    return _ops.cast(x, dtype)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return _ops.prod(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return _ops.var(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return _ops.std(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return np.any(as_array(x), axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return np.all(as_array(x), axis=axis, keepdims=keepdims)


def one_hot(indices, num_classes):
    """(…) integer indices -> (…, num_classes) float32 one-hot."""
    return _ops.one_hot(indices, num_classes)


def permute_dimensions(x, pattern):
    """Reorder axes (batch included): permute_dimensions(x, (0, 2, 1))."""
    return _ops.transpose(x, tuple(pattern))


def squeeze(x, axis):
    return _ops.squeeze(x, axis)


def repeat_elements(x, rep, axis):
    return _ops.repeat(x, rep, axis)


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim)."""
    return _ops.repeat(_ops.expand_dims(x, 1), n, axis=1)


@_composite
def flatten(x):
    return _ops.reshape(x, (-1,))


@_composite
def batch_flatten(x):
    return _ops.reshape(x, (int_shape(x)[0], -1))


def switch(condition, then_expression, else_expression):
    return _ops.where(condition, then_expression, else_expression)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if from_logits:
        return _ops.negative(_ops.sum(_ops.multiply(target, _ops.log_softmax(output, axis=axis)), axis=axis))
    output = _ops.divide(output, _ops.sum(output, axis=axis, keepdims=True))
    output = _ops.clip(output, _EPSILON, 1.0 - _EPSILON)
    return _ops.negative(_ops.sum(_ops.multiply(target, _ops.log(output)), axis=axis))


def binary_crossentropy(target, output, from_logits=False):
    if from_logits:
        output = _ops.sigmoid(output)
    output = _ops.clip(output, _EPSILON, 1.0 - _EPSILON)
    return _ops.negative(
        _ops.add(_ops.multiply(target, _ops.log(output)), _ops.multiply(_ops.subtract(1.0, target), _ops.log(_ops.subtract(1.0, output))))
    )
