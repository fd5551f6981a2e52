"""keras.utils: seeding, one-hot targets, and model plots."""

import numpy as np

from kgen.random import set_seed as set_random_seed  # noqa: F401


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class vector -> one-hot matrix (Keras' to_categorical)."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    num_classes = int(num_classes or y.max() + 1)
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out.reshape(shape + (num_classes,))


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True, **kwargs):
    """Draw the model's graph (SVG always; PNG when graphviz `dot` is installed)."""
    from kgen.plot import plot_model as _plot

    return _plot(model, to_file=to_file, show_shapes=show_shapes, show_layer_names=show_layer_names, **kwargs)


plot = plot_model
