"""`keras.layers.merge`: Keras 2's merge module, which is also callable as Keras 1's `merge`."""

import sys
import types

from kgen.keras.compat import merge as _merge
from kgen.layers import merging as _merging
from kgen.layers.merging import *  # noqa: F401,F403
from kgen.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract  # noqa: F401
from kgen.layers.merging import add, average, concatenate, dot, maximum, minimum, multiply, subtract  # noqa: F401


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return _merge(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
