"""Model: a layer made of layers, with predict, summary and layer lookup.

`Model(inputs, outputs)` builds a `Functional` model; subclass `Model` and write `call`
for a subclassed model. Training methods come from `kgen.training.trainer.Trainer`.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.tensor import Tensor, no_grad
from kgen.graph.layer import Layer
from kgen.graph.structure import flatten, map_structure
from kgen.training.trainer import Trainer


class Model(Trainer, Layer):
    """A group of layers with training and inference features."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or {"inputs", "outputs", "input", "output"} & set(kwargs)):
            from kgen.graph.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    @property
    def layers(self):
        return list(self._layers)

    # A built model's input/output are its own Input and output tensors (as in Keras),
    # whether or not it has also been called like a layer.
    @property
    def input(self):
        if "_input_structure" in self.__dict__:
            return self._input_structure
        return Layer.input.fget(self)

    @property
    def output(self):
        if "_output_structure" in self.__dict__:
            return self._output_structure
        return Layer.output.fget(self)

    @property
    def input_shape(self):
        if "_input_structure" in self.__dict__:
            return map_structure(lambda t: tuple(t.shape), self._input_structure)
        return Layer.input_shape.fget(self)

    @property
    def output_shape(self):
        if "_output_structure" in self.__dict__:
            return map_structure(lambda t: tuple(t.shape), self._output_structure)
        return Layer.output_shape.fget(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional config (from `model.get_config()`) rebuilds a Functional model."""
        if cls is Model and "input_layers" in config and "layers" in config:
            from kgen.graph.serialization import functional_from_config

            return functional_from_config(config, custom_objects=custom_objects)
        return super().from_config(config)

    def get_layer(self, name=None, index=None):
        """The layer called `name` (or at position `index` of `model.layers`)."""
        if index is not None:
            if index >= len(self.layers):
                raise ValueError(f"Model '{self.name}' has {len(self.layers)} layers; index {index} is out of range.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: '{name}'. Model '{self.name}' has layers: {[l.name for l in self.layers]}."
        )

    def _standardize_inputs(self, x):
        if isinstance(x, dict) or not hasattr(self, "inputs"):
            return x
        if isinstance(x, (list, tuple)) and len(self.inputs) > 1:
            return list(x)
        if isinstance(x, (list, tuple)) and len(x) == 1 and len(self.inputs) == 1:
            return x[0]
        return x

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for numpy inputs (one array, a list in input order, or a dict by input name)."""
        x = self._standardize_inputs(x)
        flat = flatten(x) if isinstance(x, (list, tuple, dict)) else [x]
        sizes = {len(a) for a in flat}
        if len(sizes) > 1:
            raise ValueError(
                f"All inputs must have the same number of samples; received sizes {sorted(sizes)}."
            )
        n = sizes.pop() if sizes else 0
        batch_size = batch_size or 32
        chunks = []
        with no_grad():
            for start in range(0, max(n, 1), batch_size):
                batch = map_structure(lambda a: np.asarray(a)[start : start + batch_size], x)
                out = self(batch, training=False)
                chunks.append(map_structure(lambda t: np.asarray(t.data if isinstance(t, Tensor) else t), out))
        if len(chunks) == 1:
            return chunks[0]
        first = chunks[0]
        flat_chunks = [flatten(c) for c in chunks]
        joined = iter([np.concatenate(parts, axis=0) for parts in zip(*flat_chunks)])
        return map_structure(lambda _: next(joined), first)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(flatten(x)[0]) if not isinstance(x, np.ndarray) else len(x))

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False, layer_range=None):
        """Print a table of layers, output shapes and parameter counts (as Keras does)."""
        from kgen.graph.summary import print_summary

        print_summary(self, print_fn=print_fn, line_length=line_length, expand_nested=expand_nested)

    def call(self, inputs, training=None, mask=None):
        raise NotImplementedError(
            f"Model '{self.name}' is a subclassed Model without a call() method. Define "
            "call(self, inputs) or build it with Model(inputs, outputs)."
        )
