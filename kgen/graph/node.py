"""A Node is one call of a layer: which tensors went in, which came out.

A layer called twice has two nodes (a shared layer); `layer.get_output_at(i)` reads node i.
"""

from __future__ import annotations

from kgen.graph.structure import flatten


class Node:
    def __init__(self, layer, call_args=(), call_kwargs=None, outputs=None):
        self.layer = layer
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs  # nested structure of KerasTensors
        self.input_tensors = [t for t in flatten((self.call_args, self.call_kwargs)) if _symbolic(t)]
        self.output_tensors = [t for t in flatten(outputs) if _symbolic(t)]
        self.is_input = not self.input_tensors
        layer._inbound_nodes.append(self)
        index = len(layer._inbound_nodes) - 1
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, index, i)

    @property
    def parent_nodes(self):
        parents = []
        for tensor in self.input_tensors:
            layer, index, _ = tensor._keras_history
            parents.append(layer._inbound_nodes[index])
        return parents

    @property
    def inputs(self):
        """The first positional argument of the call (what Keras calls the layer's input)."""
        if self.call_args:
            return self.call_args[0]
        return self.output_tensors[0] if self.is_input else None

    def __repr__(self):
        return f"<Node of {self.layer.name}: {len(self.input_tensors)} in, {len(self.output_tensors)} out>"


def _symbolic(x):
    return getattr(type(x), "_kgen_symbolic", False)
