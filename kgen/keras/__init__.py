"""The public, Keras-3-shaped namespace: `from kgen import keras`.

    keras.Input, keras.Model, keras.Sequential, keras.layers.*, keras.models.*,
    keras.backend (K), keras.ops, keras.activations, keras.initializers, keras.utils,
    and, as training lands, keras.optimizers, keras.losses, keras.callbacks.

Keras 2 spellings used by the classic articles (`keras.engine.topology.Layer`,
`merge(mode=...)`, `Model(input=, output=)`) live in `kgen.keras.compat`.
"""

import importlib

from kgen import __version__
from kgen.graph.functional import Functional  # noqa: F401  (Model(inputs, outputs) builds one)
from kgen.graph.input_layer import Input, InputLayer
from kgen.graph.layer import Layer
from kgen.graph.model import Model
from kgen.graph.sequential import Sequential
from kgen.engine.tensor import Variable
from kgen.keras import activations, backend, initializers, layers, models, ops, utils

_LAZY = {"optimizers", "losses", "metrics", "callbacks", "regularizers", "constraints", "saving", "compat", "engine", "random"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"kgen.keras.{name}")
    raise AttributeError(f"module 'keras' (kgen) has no attribute {name!r}")
