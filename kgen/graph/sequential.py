"""Sequential: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from kgen.graph.input_layer import InputLayer
from kgen.graph.keras_tensor import KerasTensor
from kgen.graph.layer import Layer
from kgen.graph.model import Model
from kgen.graph.structure import map_structure


class Sequential(Model):
    """`Sequential([Input(shape), layer, layer, ...])`, or start empty and `add` layers.

    The input shape comes from an `Input`, from the first layer's `input_shape=`/`input_dim=`
    (Keras 2 style), or from the first batch the model is called on.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self.__dict__["_functional_built"] = False
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input(...)` tensor as the first item)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of keras.layers.Layer can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})."
            )
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError(
                "An Input can only be the first item of a Sequential model; this model already "
                f"has layers {[l.name for l in self._layers]}."
            )
        if any(layer is existing for existing in self._layers):
            raise ValueError(f"Layer '{layer.name}' is already in Sequential model '{self.name}'.")
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self):
        layer = self.layers[-1]
        self._layers.remove(layer)
        self._maybe_rebuild()
        return layer

    @property
    def layers(self):
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return layers[1:]
        return list(layers)

    def _maybe_rebuild(self):
        self.built = False
        if not self._layers:
            return
        first = self._layers[0]
        if isinstance(first, InputLayer):
            self._build_graph(first._input_tensor)
        elif first._batch_input_shape is not None:
            from kgen.graph.input_layer import Input

            self._build_graph(Input(batch_shape=first._batch_input_shape, dtype=_input_dtype(first)))

    def _build_graph(self, inputs):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        self.inputs = [inputs]
        self.outputs = [x]
        self._input_structure = inputs
        self._output_structure = x
        self.built = True

    def build(self, input_shape=None):
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Sequential model '{self.name}' needs an input shape to build.")
        from kgen.graph.input_layer import Input

        shape = (None,) + tuple(input_shape)[1:]
        self._build_graph(Input(batch_shape=shape))

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def compute_output_spec(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        if self.built and isinstance(inputs, KerasTensor) and inputs.shape == self.inputs[0].shape:
            return KerasTensor(self.outputs[0].shape, self.outputs[0].dtype)
        return super().compute_output_spec(*args, **kwargs)

    def get_config(self):
        from kgen.graph.serialization import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kgen.graph.serialization import sequential_from_config

        return sequential_from_config(config, custom_objects=custom_objects, cls=cls)


def _input_dtype(layer):
    return "int32" if type(layer).__name__ == "Embedding" else "float32"
