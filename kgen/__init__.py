"""kgen: learn the Keras layer API by running it on a small numba engine.

`from kgen import keras` gives a Keras-3-shaped namespace (Input, Model, Sequential,
layers, backend, ops, ...) whose numbers match real Keras.
"""

import os as _os

__version__ = "0.1.0"

# numba's OpenMP workers and OpenBLAS's both busy-wait after a parallel section; on a
# small machine they then steal each other's cores (a 10 us kernel after a matmul took
# ~4 ms). Passive waiting must be chosen before numba's threading layer starts.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def __getattr__(name):
    # `from kgen import keras` without importing the whole API at `import kgen` time.
    if name == "keras":
        import importlib

        return importlib.import_module("kgen.keras")
    raise AttributeError(f"module 'kgen' has no attribute {name!r}")
