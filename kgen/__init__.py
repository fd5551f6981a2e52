"""kgen: learn the Keras layer API by running it on a small numba engine.

`from kgen import keras` gives a Keras-3-shaped namespace (Input, Model, Sequential,
layers, backend, ops, ...) whose numbers match real Keras.
"""

__version__ = "0.1.0"


def __getattr__(name):
    # `from kgen import keras` without importing the whole API at `import kgen` time.
    if name == "keras":
        import importlib

        return importlib.import_module("kgen.keras")
    raise AttributeError(f"module 'kgen' has no attribute {name!r}")
