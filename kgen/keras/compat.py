"""Keras 1/2 spellings the classic articles use, as thin aliases over the Keras-3 core.

- `install_keras_alias()` makes `import keras`, `from keras.layers import Dense`,
  `from keras.engine.topology import Layer`, `import keras.backend as K`,
  `from keras.utils.visualize_util import plot` ... resolve to kgen.
- `merge(inputs, mode=...)` is Keras 1's merge function (use `layers.add`, `layers.concatenate`...).
- `run_script(path)` runs a script with the alias installed (`kgen run`).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import runpy
import sys
import types
from pathlib import Path

# old module path -> kgen module that answers it
ALIASES = {
    "keras": "kgen.keras",
    "keras.layers": "kgen.keras.layers",
    "keras.layers.core": "kgen.keras.layers",
    "keras.layers.convolutional": "kgen.keras.layers",
    "keras.layers.pooling": "kgen.keras.layers",
    "keras.layers.recurrent": "kgen.keras.layers",
    "keras.layers.embeddings": "kgen.keras.layers",
    "keras.layers.normalization": "kgen.keras.layers",
    "keras.layers.noise": "kgen.keras.layers",
    "keras.layers.local": "kgen.keras.layers",
    "keras.layers.wrappers": "kgen.keras.layers",
    "keras.layers.advanced_activations": "kgen.keras.layers",
    "keras.layers.merge": "kgen.keras.compat_merge",
    "keras.models": "kgen.keras.models",
    "keras.engine": "kgen.keras.engine",
    "keras.engine.topology": "kgen.keras.engine",
    "keras.engine.base_layer": "kgen.keras.engine",
    "keras.engine.training": "kgen.keras.engine",
    "keras.backend": "kgen.keras.backend",
    "keras.ops": "kgen.keras.ops",
    "keras.activations": "kgen.keras.activations",
    "keras.initializers": "kgen.keras.initializers",
    "keras.utils": "kgen.keras.utils",
    "keras.utils.visualize_util": "kgen.keras.utils",
    "keras.utils.vis_utils": "kgen.keras.utils",
    "keras.utils.np_utils": "kgen.keras.utils",
    "keras.optimizers": "kgen.keras.optimizers",
    "keras.losses": "kgen.keras.losses",
    "keras.objectives": "kgen.keras.losses",
    "keras.metrics": "kgen.keras.metrics",
    "keras.callbacks": "kgen.keras.callbacks",
    "keras.regularizers": "kgen.keras.regularizers",
    "keras.constraints": "kgen.keras.constraints",
    "keras.saving": "kgen.keras.saving",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _KerasAliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        aliased = ALIASES.get(fullname)
        if aliased is None:
            raise ModuleNotFoundError(
                f"No module named '{fullname}' in kgen's Keras. kgen answers: "
                f"{', '.join(sorted(ALIASES))}. In Keras 3 most layers are in keras.layers.",
                name=fullname,
            )
        return importlib.util.spec_from_loader(fullname, _AliasLoader(aliased), is_package=True)


def install_keras_alias():
    """Make `import keras...` resolve to kgen for this process (idempotent)."""
    if not any(isinstance(f, _KerasAliasFinder) for f in sys.meta_path):
        for name in [n for n in sys.modules if n == "keras" or n.startswith("keras.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, _KerasAliasFinder())


def run_script(path, argv=()):
    """Run a Keras script against kgen; returns its exit code."""
    install_keras_alias()
    path = Path(path)
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = [str(path)] + list(argv)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        runpy.run_path(str(path), run_name="__main__")
        return 0
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv, sys.path[:] = old_argv, old_path


_MODES = {"sum": "Add", "mul": "Multiply", "ave": "Average", "max": "Maximum", "min": "Minimum"}


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None,
          arguments=None, name=None):
    """Keras 1's `merge(inputs, mode=...)`. Modern spelling: `layers.add([a, b])`, etc.

    mode: 'sum' | 'mul' | 'ave' | 'max' | 'min' | 'concat' | 'dot' | 'cos' | a function of
    the list of inputs (then `output_shape` gives its shape, as for a Lambda).
    """
    from kgen import layers

    kwargs = {"name": name} if name else {}
    if callable(mode):
        return layers.Lambda(mode, output_shape=output_shape, arguments=arguments, **kwargs)(list(inputs))
    if mode in _MODES:
        return getattr(layers, _MODES[mode])(**kwargs)(list(inputs))
    if mode == "concat":
        return layers.Concatenate(axis=concat_axis, **kwargs)(list(inputs))
    if mode in ("dot", "cos"):
        return layers.Dot(axes=dot_axes, normalize=mode == "cos", **kwargs)(list(inputs))
    raise ValueError(
        f"Unknown merge mode {mode!r}. Use one of {sorted(list(_MODES) + ['concat', 'dot', 'cos'])} "
        "or a function. In Keras 2+ write layers.add([...]), layers.concatenate([...]), ..."
    )
