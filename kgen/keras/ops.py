"""keras.ops: the engine's op set (eager on numpy, recorded on Tensors, graph nodes on symbols)."""

import numpy as np

from kgen.engine.ops import *  # noqa: F401,F403
from kgen.engine.ops import __dict__ as _ops_dict
from kgen.engine.tensor import Tensor, as_array


def convert_to_tensor(x, dtype=None):
    return x if isinstance(x, Tensor) and dtype is None else Tensor(as_array(x, dtype))


def convert_to_numpy(x):
    return np.asarray(as_array(x))


def shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def ndim(x):
    return len(shape(x))


def zeros(shape, dtype="float32"):
    return np.zeros(shape, dtype=dtype)


def ones(shape, dtype="float32"):
    return np.ones(shape, dtype=dtype)


def zeros_like(x, dtype=None):
    return np.zeros(shape(x), dtype=dtype or getattr(x, "dtype", "float32"))


def ones_like(x, dtype=None):
    return np.ones(shape(x), dtype=dtype or getattr(x, "dtype", "float32"))


def arange(start, stop=None, step=1, dtype=None):
    return np.arange(start, stop, step, dtype=dtype)


def eye(n, m=None, dtype="float32"):
    return np.eye(n, m, dtype=dtype)


def full(shape, fill_value, dtype="float32"):
    return np.full(shape, fill_value, dtype=dtype)
