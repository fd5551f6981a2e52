"""Shared helpers for the training tests: the reference loader on sys.path, quiet seeded runs."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/reference.py


@pytest.fixture(autouse=True)
def _seeded():
    from kgen.keras import backend
    from kgen.random import set_seed

    backend.clear_session()
    set_seed(1234)
    yield


def small_mlp(inputs=4, hidden=8, outputs=2, activation=None, name=None):
    from kgen.keras import Input, Model, layers

    x = Input(shape=(inputs,), name="x")
    h = layers.Dense(hidden, activation="relu", name="hidden")(x)
    y = layers.Dense(outputs, activation=activation, name="out")(h)
    return Model(x, y, name=name)


def regression_data(n=40, inputs=4, outputs=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, inputs)).astype("float32")
    w = rng.normal(size=(inputs, outputs)).astype("float32")
    return x, (x @ w).astype("float32")
