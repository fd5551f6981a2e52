"""Layer and model configs as JSON-able dicts, and back (`get_config` / `from_config`).

A layer is saved as `{"module", "class_name", "config"}`; `config` is its `get_config()`.
A Functional model's config lists its layers, each with the calls made in this model
("inbound_nodes"), where every symbolic tensor argument is written as
`{"__keras_tensor__": [layer_name, node_index, tensor_index]}` (Keras' scheme). Rebuilding
creates the layers from their configs and calls them again in a valid order, so the new
model has the same graph, layer names and weight order.

Classes are found in: `custom_objects` passed by the caller, classes registered with
`@keras.saving.register_keras_serializable()`, then kgen's own layers. A custom layer that
is in none of these gives an error that says how to pass it.
"""

from __future__ import annotations

import contextlib
import inspect
import threading

import numpy as np

_REGISTERED = {}
_scope = threading.local()


# ---------------------------------------------------------------------------- registry
def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a custom class loadable without `custom_objects` (by its class name)."""

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        _REGISTERED[key] = obj
        _REGISTERED[name or obj.__name__] = obj
        obj._kgen_registered_name = key
        return obj

    return decorator


def get_custom_objects():
    """The global dict of registered custom objects (name -> class or function)."""
    return _REGISTERED


@contextlib.contextmanager
def custom_object_scope(*dicts):
    """Within this block, configs may name these custom objects: `with custom_object_scope({...}):`."""
    previous = getattr(_scope, "objects", {})
    merged = dict(previous)
    for d in dicts:
        merged.update(d or {})
    _scope.objects = merged
    try:
        yield
    finally:
        _scope.objects = previous


CustomObjectScope = custom_object_scope


def _lookup(class_name, custom_objects):
    for source in (custom_objects or {}, getattr(_scope, "objects", {}), _REGISTERED):
        if class_name in source:
            return source[class_name]
    from kgen import layers
    from kgen.graph.functional import Functional
    from kgen.graph.sequential import Sequential

    builtin = {"Functional": Functional, "Model": Functional, "Sequential": Sequential}
    if class_name in builtin:
        return builtin[class_name]
    obj = getattr(layers, class_name, None)
    return obj if isinstance(obj, type) else None


# ---------------------------------------------------------------------------- layers
def serialize_layer(layer):
    """{"module", "class_name", "config"} for a layer or model."""
    from kgen.graph.functional import Functional

    cls = type(layer)
    class_name = cls.__name__
    if isinstance(layer, Functional) and cls is Functional:
        class_name = "Functional"
    try:
        config = layer.get_config()
    except NotImplementedError as error:
        raise NotImplementedError(f"Cannot save layer '{layer.name}' ({cls.__name__}): {error}") from error
    if config is None:
        raise ValueError(
            f"Layer '{layer.name}' ({cls.__name__}): get_config() returned None. Return a dict: "
            "{**super().get_config(), 'your_arg': self.your_arg}."
        )
    out = {"module": cls.__module__, "class_name": class_name, "config": _jsonable(config, layer)}
    registered = getattr(cls, "_kgen_registered_name", None)
    if registered:
        out["registered_name"] = registered
    return out


def deserialize_layer(config, custom_objects=None):
    """A new layer (or model) from `serialize_layer`'s output."""
    from kgen.graph.functional import Functional
    from kgen.graph.sequential import Sequential

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with 'class_name' and 'config'; received {config!r}.")
    class_name = config["class_name"]
    cls = _lookup(class_name, custom_objects)
    if cls is None and config.get("registered_name"):
        cls = _lookup(config["registered_name"], custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown layer: '{class_name}'. It is not a kgen layer; if it is your own class, pass it when "
            f"loading: load_model(path, custom_objects={{'{class_name}': {class_name}}}), or decorate the class "
            "with @keras.saving.register_keras_serializable()."
        )
    inner = config.get("config", {})
    if cls is Functional or (isinstance(cls, type) and issubclass(cls, Functional) and "input_layers" in inner):
        return functional_from_config(inner, custom_objects, cls=cls)
    if isinstance(cls, type) and issubclass(cls, Sequential):
        return sequential_from_config(inner, custom_objects, cls=cls)
    inner = {key: _maybe_layer(value, custom_objects) for key, value in inner.items()}
    from_config = cls.from_config
    try:
        params = inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        params = {}
    try:
        if "custom_objects" in params:
            return from_config(dict(inner), custom_objects=custom_objects)
        return from_config(dict(inner))
    except TypeError as error:
        raise TypeError(
            f"Could not rebuild layer {class_name} from its config {inner}: {error}. A custom layer whose "
            "__init__ takes arguments must return them from get_config() and accept **kwargs."
        ) from error


def _maybe_layer(value, custom_objects):
    """A nested layer config (a wrapper's `layer`) becomes a layer; anything else is left alone."""
    from kgen.graph.layer import Layer

    if isinstance(value, dict) and isinstance(value.get("config"), dict) and "class_name" in value:
        cls = _lookup(value["class_name"], custom_objects)
        if isinstance(cls, type) and issubclass(cls, Layer):
            return deserialize_layer(value, custom_objects)
    return value


def _jsonable(value, layer):
    """Configs hold JSON types only: numpy scalars/arrays become Python values and lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v, layer) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, layer) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, np.dtype):
        return value.name
    get_config = getattr(value, "get_config", None)
    if callable(get_config):
        return {"class_name": type(value).__name__, "config": _jsonable(get_config(), layer)}
    raise TypeError(
        f"Layer '{layer.name}' ({type(layer).__name__}): its config holds {value!r} ({type(value).__name__}), "
        "which cannot be saved as JSON. Store a name or a number in get_config() instead."
    )


# ---------------------------------------------------------------------------- functional
def _is_symbolic(x):
    return getattr(type(x), "_kgen_symbolic", False)


def _node_keys(model):
    """{id(node): (layer name, index among this model's calls of the layer)}."""
    from kgen.graph.input_layer import InputLayer

    keep = {id(n) for n in model._nodes}
    for t in model.inputs:
        keep.add(id(t._keras_history[0]._inbound_nodes[t._keras_history[1]]))
    keys = {}
    for layer in model.layers:
        k = 0
        for node in layer._inbound_nodes:
            if id(node) in keep or (isinstance(layer, InputLayer) and node.is_input):
                keys[id(node)] = (layer.name, k)
                k += 1
    return keys


def _encode(value, keys, layer):
    if _is_symbolic(value):
        owner, node_index, tensor_index = value._keras_history
        node = owner._inbound_nodes[node_index]
        if id(node) not in keys:
            raise NotImplementedError(
                f"Cannot save the call of layer '{layer.name}': one of its inputs comes from '{owner.name}', "
                "an operation applied directly to a symbolic tensor (e.g. x * 2 or ops.exp(x)). Wrap it in a "
                "Layer subclass or a Lambda layer to save the model."
            )
        name, k = keys[id(node)]
        return {"__keras_tensor__": [name, k, tensor_index]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, keys, layer) for v in value]}
    if isinstance(value, list):
        return [_encode(v, keys, layer) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v, keys, layer) for k, v in value.items()}
    from kgen.engine.tensor import Tensor

    if isinstance(value, (np.ndarray, Tensor)):
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        return {"__ndarray__": array.tolist(), "dtype": array.dtype.name}
    return _jsonable(value, layer)


class _NotReady(Exception):
    pass


def _decode(value, produced):
    if isinstance(value, dict):
        if "__keras_tensor__" in value:
            name, k, index = value["__keras_tensor__"]
            outputs = produced.get((name, k))
            if outputs is None:
                raise _NotReady((name, k))
            return outputs[index]
        if "__tuple__" in value:
            return tuple(_decode(v, produced) for v in value["__tuple__"])
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {k: _decode(v, produced) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, produced) for v in value]
    return value


def functional_config(model):
    """The JSON-able config of a Functional model: layers, their calls, inputs and outputs."""
    keys = _node_keys(model)
    layers = []
    for layer in model.layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) in keys and not node.is_input:
                nodes.append({"args": _encode(list(node.call_args), keys, layer),
                              "kwargs": _encode(dict(node.call_kwargs), keys, layer)})
        entry["inbound_nodes"] = nodes
        layers.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": _encode(model._input_structure, keys, model),
        "output_layers": _encode(model._output_structure, keys, model),
    }


def functional_from_config(config, custom_objects=None, cls=None):
    """Rebuild a Functional model from `functional_config`'s output."""
    from kgen.graph.functional import Functional
    from kgen.graph.input_layer import InputLayer

    cls = cls or Functional
    created, pending, produced = {}, {}, {}
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        name = entry.get("name", layer.name)
        created[name] = layer
        if isinstance(layer, InputLayer):
            produced[(name, 0)] = [layer._input_tensor]
        pending[name] = list(entry.get("inbound_nodes", []))
    calls = {name: (1 if isinstance(layer, InputLayer) else 0) for name, layer in created.items()}
    progress = True
    while progress and any(pending.values()):
        progress = False
        for entry in config["layers"]:
            name = entry.get("name")
            queue = pending[name]
            while queue:
                try:
                    args = _decode(queue[0]["args"], produced)
                    kwargs = _decode(queue[0]["kwargs"], produced)
                except _NotReady:
                    break
                from kgen.graph.structure import flatten

                out = created[name](*args, **kwargs)
                produced[(name, calls[name])] = flatten(out)
                calls[name] += 1
                queue.pop(0)
                progress = True
    stuck = [name for name, queue in pending.items() if queue]
    if stuck:
        raise ValueError(
            f"Could not rebuild model '{config.get('name')}': the calls of layers {stuck} refer to tensors "
            "that no layer in the config produces. The file's config is incomplete or corrupted."
        )
    inputs = _decode(config["input_layers"], produced)
    outputs = _decode(config["output_layers"], produced)
    if cls is Functional:
        model = Functional(inputs=inputs, outputs=outputs, name=config.get("name"))
    else:
        model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    if not config.get("trainable", True):
        model.trainable = False
    return model


# ---------------------------------------------------------------------------- sequential
def sequential_config(model):
    """The JSON-able config of a Sequential model: its layers in order (and the input shape)."""
    config = {"name": model.name, "trainable": model.trainable,
              "layers": [serialize_layer(layer) for layer in model._layers]}
    if model.built and getattr(model, "inputs", None):
        config["build_input_shape"] = list(model.inputs[0].shape)
        config["input_dtype"] = model.inputs[0].dtype.name
    return config


def sequential_from_config(config, custom_objects=None, cls=None):
    """Rebuild a Sequential model from `sequential_config`'s output."""
    from kgen.graph.input_layer import InputLayer
    from kgen.graph.sequential import Sequential

    cls = cls or Sequential
    layers = [deserialize_layer(entry, custom_objects) for entry in config["layers"]]
    shape = config.get("build_input_shape")
    if shape is not None and not (layers and isinstance(layers[0], InputLayer)):
        layers.insert(0, InputLayer(batch_shape=tuple(shape), dtype=config.get("input_dtype", "float32")))
    model = cls(layers=layers, name=config.get("name"))
    if not config.get("trainable", True):
        model.trainable = False
    return model
