"""keras.layers: every layer class and the lowercase merge functions."""

from kgen.layers import *  # noqa: F401,F403
from kgen.layers import __dict__ as _all

__all__ = [n for n in _all if not n.startswith("_")]


def __getattr__(name):
    if name == "merge":  # Keras 1's merge(...) function, also Keras 2's keras.layers.merge module
        import importlib

        return importlib.import_module("kgen.keras.compat_merge")
    raise AttributeError(f"module 'keras.layers' (kgen) has no attribute {name!r}")
