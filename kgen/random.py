"""The global random generator behind initializers, dropout and noise layers."""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng()


def set_seed(seed: int):
    """Make weight initialisation, dropout and shuffling repeatable."""
    global _rng
    _rng = np.random.default_rng(seed)
    np.random.seed(seed % (2**32))


def generator() -> np.random.Generator:
    return _rng
