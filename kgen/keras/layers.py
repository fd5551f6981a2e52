"""keras.layers: every layer class and the lowercase merge functions."""

from kgen.layers import *  # noqa: F401,F403
from kgen.layers import __dict__ as _all

import types as _types

# classes and functions only: kgen's family modules (core, merging, ...) are not part of keras.layers
__all__ = [n for n, v in _all.items() if not n.startswith("_") and not isinstance(v, _types.ModuleType)]
for _name, _value in list(globals().items()):
    if isinstance(_value, _types.ModuleType) and _name not in ("_types",):
        del globals()[_name]


def __getattr__(name):
    if name == "merge":  # Keras 1's merge(...) function, also Keras 2's keras.layers.merge module
        import importlib

        return importlib.import_module("kgen.keras.compat_merge")
    raise AttributeError(f"module 'keras.layers' (kgen) has no attribute {name!r}")
