"""The functional Model: a graph of layer calls from `Input`s to outputs, replayed node by node.

Graph bookkeeping follows Keras (`keras/src/ops/function.py`): nodes get depths from the
outputs back, layers are ordered by decreasing depth and, within a depth, by the order a
depth-first walk from the outputs meets them. That order is `model.layers`, and with it the
order of `get_weights()`.
"""

from __future__ import annotations

import collections

import numpy as np

from kgen.engine.tensor import Tensor, as_array
from kgen.graph.input_layer import InputLayer
from kgen.graph.keras_tensor import KerasTensor
from kgen.graph.model import Model
from kgen.graph.op_layer import OpLayer
from kgen.graph.structure import flatten, map_structure


class Functional(Model):
    """`Model(inputs, outputs)`: inputs and outputs may be one tensor, a list, or a dict."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        # Keras 1/2 spelling: Model(input=..., output=...)
        if inputs is None and "input" in kwargs:
            inputs = kwargs.pop("input")
        if outputs is None and "output" in kwargs:
            outputs = kwargs.pop("output")
        if inputs is None or outputs is None:
            raise ValueError(
                "A functional Model needs inputs and outputs: Model(inputs=x, outputs=y), where x "
                "comes from keras.Input(...) and y from layers called on it."
            )
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._input_structure = _normalize_io(inputs)
        self._output_structure = _normalize_io(outputs)
        self.inputs = flatten(self._input_structure)
        self.outputs = flatten(self._output_structure)
        for i, t in enumerate(self.inputs):
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    f"Model inputs must be tensors from keras.Input(). Input {i} is {type(t).__name__}."
                )
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    f"Model inputs must come from keras.Input(); input {i} ({t.name}) is the output "
                    f"of layer '{t._keras_history[0].name}'. Pass the Input tensor itself."
                )
        for i, t in enumerate(self.outputs):
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    f"Model outputs must be symbolic tensors (layers called on keras.Input). Output "
                    f"{i} is {type(t).__name__}: was a layer called on a numpy array instead?"
                )
        self._nodes, self._operations = _map_graph(self.inputs, self.outputs)
        self._layers = [op for op in self._operations if not isinstance(op, OpLayer)]
        self.built = True

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self.inputs]

    @property
    def output_names(self):
        return [t._keras_history[0].name for t in self.outputs]

    # ------------------------------------------------------------- running
    def call(self, inputs, training=None, mask=None):
        values = {}
        for kt, value in zip(self.inputs, self._flatten_inputs(inputs)):
            values[id(kt)] = _as_input_tensor(value, kt)
        for node in self._nodes:
            args, kwargs = map_structure(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, (node.call_args, node.call_kwargs)
            )
            out = node.layer(*args, **kwargs)
            for kt, value in zip(node.output_tensors, flatten(out)):
                values[id(kt)] = value
        return map_structure(lambda t: values[id(t)], self._output_structure)

    def _flatten_inputs(self, inputs):
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {names}; missing {missing}. "
                    f"Received keys: {sorted(inputs)}."
                )
            return [inputs[n] for n in names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self.inputs)} input(s) with shapes "
                f"{[t.shape for t in self.inputs]}, but it received {len(flat)} input(s). Pass a "
                "list with one array per Input, in the order given to Model(inputs=...)."
            )
        for i, (value, kt) in enumerate(zip(flat, self.inputs)):
            shape = np.shape(value)
            if len(shape) != len(kt.shape) or any(a is not None and a != b for a, b in zip(kt.shape, shape)):
                raise ValueError(
                    f"Input {i} of model '{self.name}' is incompatible: expected shape={kt.shape}, "
                    f"found shape={tuple(shape)}. The Input was declared as keras.Input(shape="
                    f"{kt.shape[1:]}); pass arrays of shape (batch, {', '.join(map(str, kt.shape[1:]))})."
                )
        return flat

    def compute_output_spec(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        given = [t.shape for t in flatten(inputs)]
        if given == [t.shape for t in self.inputs]:
            return map_structure(lambda t: KerasTensor(t.shape, t.dtype), self._output_structure)
        return super().compute_output_spec(*args, **kwargs)

    def build(self, input_shape):
        self.built = True

    def get_config(self):
        from kgen.graph.serialization import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kgen.graph.serialization import functional_from_config

        return functional_from_config(config, custom_objects=custom_objects)


def _as_input_tensor(value, kt):
    if isinstance(value, Tensor):
        return value
    array = as_array(value)
    if array.dtype != kt.dtype and (array.dtype.kind in "fiub"):
        array = array.astype(kt.dtype)
    return Tensor(array)


def _normalize_io(x):
    return list(x) if isinstance(x, tuple) else x


def _map_graph(inputs, outputs):
    """Nodes to run (by decreasing depth) and operations (layers) in Keras' order."""
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth = []
    operation_indices = {}
    input_ids = {id(t) for t in inputs}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"The graph has a cycle at layer '{operation.name}'.")
        if operation not in operation_indices:
            operation_indices[operation] = len(operation_indices)
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for t in node.input_tensors:
                visit(t)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for t in outputs:
        visit(t)

    node_depth, op_depth = {}, {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = node_depth.setdefault(node, 0)
        depth = max(depth, op_depth.get(node.layer, 0))
        op_depth[node.layer] = depth
        node_depth[node] = depth
        for parent in node.parent_nodes:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:
        layer = t._keras_history[0]
        if layer not in op_depth:
            op_depth[layer] = 0
            operation_indices[layer] = -1
            node_depth[layer._inbound_nodes[0]] = 0

    # Every output must be computable from the inputs.
    available = set(input_ids)
    nodes_by_depth = collections.defaultdict(list)
    for node, depth in node_depth.items():
        nodes_by_depth[depth].append(node)
    to_run = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if node.is_input or all(id(o) in input_ids for o in node.output_tensors):
                continue
            for t in node.input_tensors:
                if id(t) not in available:
                    layer = t._keras_history[0]
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {t.name} (shape "
                        f"{t.shape}) at layer '{layer.name}'. It comes from an Input that is not "
                        "among the model's inputs: add that Input to Model(inputs=[...])."
                    )
            to_run.append(node)
            available.update(id(o) for o in node.output_tensors)

    ops_by_depth = collections.defaultdict(list)
    for op, depth in op_depth.items():
        ops_by_depth[depth].append(op)
    operations = []
    for depth in sorted(ops_by_depth, reverse=True):
        operations.extend(sorted(ops_by_depth[depth], key=lambda op: operation_indices[op]))
    return to_run, operations
