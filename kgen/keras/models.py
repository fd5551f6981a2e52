"""keras.models: Model, Sequential, and (with training) load_model."""

from kgen.graph.functional import Functional
from kgen.graph.model import Model
from kgen.graph.sequential import Sequential


def __getattr__(name):
    if name in ("load_model", "save_model", "model_from_json", "clone_model"):
        from kgen.training import persistence

        return getattr(persistence, name)
    raise AttributeError(f"module 'keras.models' (kgen) has no attribute {name!r}")
