"""keras.random: random tensors drawn from kgen's global generator (seeded by set_random_seed)."""

import numpy as np

from kgen.engine.tensor import Tensor
from kgen.random import generator


def _rng(seed):
    return np.random.default_rng(seed) if isinstance(seed, (int, np.integer)) else generator()


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    return Tensor(_rng(seed).normal(mean, stddev, size=tuple(shape)).astype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    return Tensor(_rng(seed).uniform(minval, maxval, size=tuple(shape)).astype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return Tensor(_rng(seed).integers(minval, maxval, size=tuple(shape)).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    rng = _rng(seed)
    values = rng.normal(size=tuple(shape))
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(values) > 2
    return Tensor((mean + stddev * values).astype(dtype))


def shuffle(x, axis=0, seed=None):
    from kgen.engine import ops

    order = _rng(seed).permutation(np.shape(x)[axis])
    return ops.take(x, order, axis=axis)


def dropout(inputs, rate, noise_shape=None, seed=None):
    from kgen.engine import ops

    shape = tuple(np.shape(inputs)) if noise_shape is None else tuple(noise_shape)
    keep = (_rng(seed).uniform(size=shape) >= rate).astype("float32") / np.float32(1 - rate)
    return ops.multiply(inputs, keep)


class SeedGenerator:
    """Keras 3's seed object: a reproducible stream of seeds."""

    def __init__(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def next(self):
        return int(self._rng.integers(0, 2**31 - 1))
