"""The Layer base: build makes weights, call is pure maths, every call on symbols is a node.

The lifecycle follows Keras (`keras/src/layers/layer.py`):
- `__init__` stores hyperparameters;
- `build(input_shape)` creates weights with `add_weight` (called once, on first use);
- `call(inputs)` computes outputs from inputs with engine ops;
- `compute_output_shape(input_shape)` (optional: traced from `call` when absent);
- `get_config()` returns the constructor arguments.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import threading

import numpy as np

from kgen.engine.tensor import Tensor, Variable, as_array, no_grad
from kgen.graph import input_spec as _input_spec
from kgen.graph import naming
from kgen.graph.keras_tensor import KerasTensor
from kgen.graph.structure import flatten, is_shape, map_shapes, map_structure

_context = threading.local()


def current_training():
    """The `training` flag of the enclosing layer call (None when nobody said)."""
    return getattr(_context, "training", None)


@contextlib.contextmanager
def training_scope(training):
    previous = current_training()
    _context.training = training
    try:
        yield
    finally:
        _context.training = previous


def is_symbolic(x) -> bool:
    return getattr(type(x), "_kgen_symbolic", False)


def shape_of(x):
    if isinstance(x, (KerasTensor, Tensor, np.ndarray)):
        return tuple(x.shape)
    return tuple(np.shape(x))


def _to_tensor(x):
    if isinstance(x, (np.ndarray, list, float, int, np.generic)) and not isinstance(x, bool):
        return Tensor(as_array(x))
    return x


class Layer:
    """Base class of all layers. Subclass it and write `build`, `call`, `compute_output_shape`."""

    supports_masking = False

    def __new__(cls, *args, **kwargs):
        # Remember the constructor arguments: get_config() can return them when a subclass
        # does not write its own (as Keras 3 does).
        obj = super().__new__(cls)
        signature = _init_signature(cls)
        try:
            config = dict(signature.bind(None, *args, **kwargs).arguments)
        except TypeError:
            config = None
        else:
            config.pop(next(iter(config)))  # self
            for name, param in signature.parameters.items():
                if param.kind is param.VAR_KEYWORD:
                    config.update(config.pop(name, {}))
        object.__setattr__(obj, "_auto_config", config)
        return obj

    def __init__(
        self,
        trainable=True,
        name=None,
        dtype=None,
        autocast=True,
        input_shape=None,
        batch_input_shape=None,
        input_dim=None,
        batch_size=None,
        weights=None,
        activity_regularizer=None,
        input_length=None,
        **kwargs,
    ):
        if kwargs:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}. "
                "Check the spelling against the layer's documented arguments."
            )
        d = self.__dict__
        d.setdefault("_layers", [])
        d["_trainable_variables"] = []
        d["_non_trainable_variables"] = []
        d["_inbound_nodes"] = []
        d["_losses"] = []
        d["built"] = False
        d["_trainable"] = bool(trainable)
        d["name"] = name or naming.auto_name(type(self).__name__)
        d["dtype"] = "float32" if dtype is None or not isinstance(dtype, str) else dtype
        d.setdefault("input_spec", None)
        d["_initial_weights"] = weights
        d["activity_regularizer"] = activity_regularizer
        d["_kgen_initialized"] = True
        if batch_input_shape is not None:
            d["_batch_input_shape"] = tuple(batch_input_shape)
        elif input_shape is not None:
            d["_batch_input_shape"] = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            d["_batch_input_shape"] = (batch_size, int(input_dim)) if input_length is None else (batch_size, input_length, int(input_dim))
        else:
            d.setdefault("_batch_input_shape", None)
        if input_length is not None and input_dim is None and d["_batch_input_shape"] is None:
            d["_batch_input_shape"] = (batch_size, int(input_length))

    # ----------------------------------------------------------------- tracking
    def __setattr__(self, name, value):
        if not name.startswith("_"):
            layers = self.__dict__.setdefault("_layers", [])
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, Layer) and item is not self and all(item is not l for l in layers):
                    layers.append(item)
        object.__setattr__(self, name, value)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self.__dict__["_trainable"] = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    # ----------------------------------------------------------------- weights
    _K3_WEIGHT_ARGS = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer", "constraint", "aggregation", "name")
    _K2_WEIGHT_ARGS = ("name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint")

    def add_weight(self, *args, **kwargs):
        """Create a weight owned by this layer (call it in `build`); returns the Variable.

        Takes Keras 3's `add_weight(shape, initializer, dtype, trainable, ..., name)` and
        Keras 2's `add_weight(name, shape, dtype, initializer, regularizer, trainable)`
        (a string first argument means the Keras 2 order).
        """
        order = self._K2_WEIGHT_ARGS if args and isinstance(args[0], str) else self._K3_WEIGHT_ARGS
        if len(args) > len(order):
            raise TypeError(f"add_weight() takes at most {len(order)} positional arguments")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight() got multiple values for argument '{key}'")
            kwargs[key] = value
        unknown = set(kwargs) - set(self._K3_WEIGHT_ARGS)
        if unknown:
            raise TypeError(f"add_weight() got unexpected keyword arguments {sorted(unknown)}")
        shape = kwargs.get("shape")
        initializer = kwargs.get("initializer")
        dtype = kwargs.get("dtype")
        trainable = kwargs.get("trainable", True)
        regularizer = kwargs.get("regularizer")
        constraint = kwargs.get("constraint")
        name = kwargs.get("name")
        from kgen import initializers

        self._require_init()
        shape = () if shape is None else tuple(int(d) for d in np.atleast_1d(shape)) if not isinstance(shape, (tuple, list)) else tuple(shape)
        for d in shape:
            if d is None:
                raise ValueError(
                    f"Layer '{self.name}': add_weight(name={name!r}) received shape {shape} with a None "
                    "dimension. Weights need concrete sizes: build them from input_shape[-1] (the "
                    "feature axis), not from the batch axis."
                )
        dtype = dtype or "float32"
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        value = initializers.get(initializer)(shape, dtype=dtype)
        name = name or f"variable_{len(self._trainable_variables) + len(self._non_trainable_variables)}"
        variable = Variable(value, name=name, trainable=trainable, dtype=dtype, path=f"{self.name}/{name}")
        if isinstance(regularizer, (str, dict)) or isinstance(constraint, (str, dict)):
            from kgen.training import constraints, regularizers

            regularizer = regularizers.get(regularizer) if isinstance(regularizer, (str, dict)) else regularizer
            constraint = constraints.get(constraint) if isinstance(constraint, (str, dict)) else constraint
        variable.regularizer = regularizer
        variable.constraint = constraint
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        return variable

    @property
    def weights(self):
        """Own variables (trainable, then non-trainable), then each sublayer's; no duplicates."""
        out, seen = [], set()
        for v in self._trainable_variables + self._non_trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        return [v for v in self.weights if v.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self):
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [np.array(v.data, copy=True) for v in self.weights]

    def set_weights(self, weights):
        """Load arrays into the weights, in `weights` order; shapes must match exactly."""
        own = self.weights
        if len(own) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                f"length {len(weights)}, but the layer was expecting {len(own)} weights"
                + ("" if self.built else " (it is not built yet: call it on an input first)")
                + f". Expected shapes: {[v.shape for v in own]}."
            )
        for v, w in zip(own, weights):
            w = np.asarray(w)
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError(
                    f"Layer '{self.name}' weight '{v.name}' has shape {tuple(v.shape)}, which is not "
                    f"compatible with the provided weight shape {tuple(w.shape)}. Pass arrays in "
                    "get_weights() order with the same shapes."
                )
        for v, w in zip(own, weights):
            v.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. Build it first: call it on an input, or `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    @property
    def losses(self):
        """Regularisation losses of this layer and its sublayers (weight and activity)."""
        out = list(self._losses)
        for v in self._trainable_variables + self._non_trainable_variables:
            if v.regularizer is not None:
                out.append(v.regularizer(v))
        for layer in self._layers:
            out.extend(layer.losses)
        return out

    def add_loss(self, loss, inputs=None):
        """Add a loss term (a value, or a symbolic tensor of the model's inputs) to `losses`.

        `inputs` is accepted for Keras 2 code (`self.add_loss(loss, inputs=inputs)`) and ignored.
        """
        self._losses.append(loss)

    # ----------------------------------------------------------------- lifecycle
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`; by default found by running `call` on sample inputs."""
        from kgen.graph.tracing import trace

        def make(shape):
            return KerasTensor(shape, dtype=self.dtype)

        inputs = map_shapes(make, input_shape)
        if not self.built:
            self._build_from(map_shapes(tuple, input_shape))
        out = trace(self._traced_call, (inputs,), {}, owner=self)
        return map_structure(lambda t: t.shape, out)

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic outputs for symbolic inputs: from `compute_output_shape` or by tracing `call`."""
        if _overrides(self, "compute_output_shape"):
            first = args[0] if args else kwargs.get("inputs")
            shapes = self.compute_output_shape(map_structure(shape_of, first))
            if shapes is None:
                raise ValueError(
                    f"Layer '{self.name}': compute_output_shape() returned None. Return the output "
                    "shape as a tuple, e.g. (input_shape[0], self.output_dim)."
                )
            dtype = self._output_dtype(first)
            return map_shapes(lambda s: KerasTensor(s, dtype=dtype), _as_shapes(shapes))
        from kgen.graph.tracing import trace

        return trace(self._traced_call, args, kwargs, owner=self)

    def _traced_call(self, *args, **kwargs):
        return self._call_with_context(list(args), dict(kwargs), training=False)

    def _output_dtype(self, inputs):
        return self.dtype

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def get_config(self):
        """The constructor arguments; enough for `from_config` to rebuild the layer."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if _overrides(self, "get_config"):
            return config
        auto = self._auto_config
        base_params = set(inspect.signature(Layer.__init__).parameters)
        extra = {k: v for k, v in (auto or {}).items() if k not in base_params}
        if auto is None or not _jsonable(extra):
            raise NotImplementedError(
                f"Layer {type(self).__name__} does not implement get_config() and its __init__ "
                f"arguments can't be saved automatically (received: {extra}). Implement "
                "get_config(): return {**super().get_config(), 'your_arg': self.your_arg}."
            )
        config.update(extra)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ----------------------------------------------------------------- calling
    def _require_init(self):
        if not self.__dict__.get("_kgen_initialized"):
            raise RuntimeError(
                f"It looks like you are subclassing `Layer` in {type(self).__name__} and forgot to "
                "call `super().__init__(**kwargs)`. Always call it in __init__ (after or before "
                "storing your own arguments)."
            )

    def __call__(self, *args, **kwargs):
        self._require_init()
        if any(is_symbolic(t) for t in flatten((args, kwargs))):
            return self._symbolic_call(list(args), kwargs)
        args = list(args)
        if args:
            args[0] = map_structure(_to_tensor, args[0])
        inputs = args[0] if args else kwargs.get("inputs")
        self._check_and_build(inputs)
        return self._call_with_context(args, dict(kwargs))

    def _check_and_build(self, inputs):
        shapes = map_structure(shape_of, inputs)
        _input_spec.check(self, self.input_spec, shapes)
        if not self.built:
            self._build_from(shapes)
            _input_spec.check(self, self.input_spec, shapes)

    def _build_from(self, shapes):
        self.build(shapes if not isinstance(shapes, list) else list(shapes))
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def _call_with_context(self, args, kwargs, training=None):
        params = _call_params(type(self))
        explicit = kwargs.pop("training", None)
        training = explicit if explicit is not None else (training if training is not None else current_training())
        if training is not None and ("training" in params or params.get("**")):
            kwargs["training"] = training
        inputs = args[0] if args else kwargs.get("inputs")
        mask = kwargs.get("mask")
        if "mask" in kwargs and "mask" not in params and not params.get("**"):
            kwargs.pop("mask")  # still used for compute_mask below
        elif "mask" not in kwargs:
            masks = [getattr(t, "_keras_mask", None) for t in flatten(inputs)]
            if any(m is not None for m in masks):
                mask = masks[0] if not isinstance(inputs, (list, tuple)) else masks
                if "mask" in params:
                    kwargs["mask"] = mask
        with training_scope(training):
            outputs = self.call(*args, **kwargs)
        if self.supports_masking or _overrides(self, "compute_mask"):
            out_mask = self.compute_mask(inputs, mask)
            if out_mask is not None:
                flat_out, flat_mask = flatten(outputs), flatten(out_mask) if isinstance(out_mask, (list, tuple)) else None
                for i, t in enumerate(flat_out):
                    if isinstance(t, Tensor):
                        if flat_mask is not None and i >= len(flat_mask):
                            break
                        m = flat_mask[i] if flat_mask is not None else out_mask
                        t._keras_mask = m.data if isinstance(m, Tensor) else m
        if self.activity_regularizer is not None:
            regularizer = self._activity_regularizer_fn()
            for t in flatten(outputs):
                if isinstance(t, Tensor):
                    self.add_loss(regularizer(t))
        return outputs

    def _activity_regularizer_fn(self):
        if callable(self.activity_regularizer):
            return self.activity_regularizer
        from kgen.training import regularizers

        return regularizers.get(self.activity_regularizer)

    def _symbolic_call(self, args, kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        shapes = map_structure(shape_of, inputs)
        _input_spec.check(self, self.input_spec, shapes)
        if not self.built:
            self._build_from(shapes)
            _input_spec.check(self, self.input_spec, shapes)
        outputs = self.compute_output_spec(*args, **kwargs)
        from kgen.graph.node import Node

        Node(self, args, kwargs, outputs)
        return outputs

    # ----------------------------------------------------------------- nodes (Keras 2 API)
    def _node_attr(self, node_index, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer '{self.name}' has never been called and thus has no defined {what}. "
                "Call it on a tensor from keras.Input first."
            )
        if node_index >= len(self._inbound_nodes):
            raise ValueError(
                f"Asked to get {what} at node {node_index}, but the layer '{self.name}' has only "
                f"{len(self._inbound_nodes)} inbound node(s) (indices 0..{len(self._inbound_nodes) - 1})."
            )
        node = self._inbound_nodes[node_index]
        value = node.inputs if attr == "input" else node.outputs
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        return value

    def _single_node_attr(self, attr, what, method):
        if len(self._inbound_nodes) > 1:
            if "shape" in what:
                shapes = [self._shape_at(i, attr) for i in range(len(self._inbound_nodes))]
                if all(s == shapes[0] for s in shapes):
                    return shapes[0]
            raise AttributeError(
                f"Layer '{self.name}' has multiple inbound nodes ({len(self._inbound_nodes)} calls), "
                f"hence the notion of \"layer {what}\" is ill-defined. Use `{method}(node_index)` "
                f"instead, e.g. layer.{method}(0) for the first call."
            )
        if "shape" in what:
            return self._shape_at(0, attr)
        return self._node_attr(0, attr, what)

    def _shape_at(self, node_index, attr):
        value = self._node_attr(node_index, attr, attr + " shape")
        return map_structure(lambda t: tuple(t.shape), value)

    def get_input_at(self, node_index):
        return self._node_attr(node_index, "input", "input")

    def get_output_at(self, node_index):
        return self._node_attr(node_index, "output", "output")

    def get_input_shape_at(self, node_index):
        return self._shape_at(node_index, "input")

    def get_output_shape_at(self, node_index):
        return self._shape_at(node_index, "output")

    @property
    def input(self):
        return self._single_node_attr("input", "input", "get_input_at")

    @property
    def output(self):
        return self._single_node_attr("output", "output", "get_output_at")

    @property
    def input_shape(self):
        return self._single_node_attr("input", "input shape", "get_input_shape_at")

    @property
    def output_shape(self):
        return self._single_node_attr("output", "output shape", "get_output_shape_at")

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _overrides(obj, method) -> bool:
    return getattr(type(obj), method) is not getattr(Layer, method)


def _as_shapes(shapes):
    if is_shape(shapes):
        return tuple(shapes)
    return shapes


_PARAMS_CACHE = {}
_INIT_SIGNATURES = {}


def _init_signature(cls):
    signature = _INIT_SIGNATURES.get(cls)
    if signature is None:
        signature = _INIT_SIGNATURES[cls] = inspect.signature(cls.__init__)
    return signature


def _call_params(cls):
    params = _PARAMS_CACHE.get(cls)
    if params is None:
        sig = inspect.signature(cls.call)
        params = {name: p for name, p in sig.parameters.items()}
        params["**"] = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        _PARAMS_CACHE[cls] = params
    return params


def _jsonable(value) -> bool:
    try:
        json.dumps(value)
        return True
    except TypeError:
        return False
