"""Core layers: Dense, Activation, Dropout, Lambda, Identity."""

from __future__ import annotations

import inspect

import numpy as np

from kgen import activations, initializers
from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.graph.structure import flatten
from kgen.random import generator


class Dense(Layer):
    """Densely-connected layer: `output = activation(inputs @ kernel + bias)`.

    Args:
        units: size of the output (last) axis.
        activation: name or function; None means linear.
        use_bias: add a bias vector.
        kernel_initializer, bias_initializer: initializers for the weights.

    Input shape: `(batch_size, ..., input_dim)`; the last axis is contracted.
    Output shape: `(batch_size, ..., units)`.
    Weights: kernel `(input_dim, units)`, bias `(units,)`.

    >>> layer = Dense(4); layer(np.ones((2, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units` of layer '{self.name}': expected a positive "
                f"integer, received units={units!r}."
            )
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) needs a known last axis to size its kernel; received "
                f"input_shape={tuple(input_shape)}. Give keras.Input a concrete last dimension."
            )
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }


class Activation(Layer):
    """Applies an activation function: `Activation("relu")`.

    Input shape: any. Output shape: same as input.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 in training, scaling the rest by 1/(1-rate).

    The identity at inference (`predict`, `training=False`).
    Input shape: any. Output shape: same as input.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate` of layer '{self.name}': expected a "
                f"float between 0 and 1, received rate={rate}."
            )
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        rng = self._rng if self._rng is not None else generator()
        keep = (rng.uniform(size=shape) >= self.rate).astype(inputs.dtype) / np.float32(1 - self.rate)
        return ops.multiply(inputs, keep)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class Identity(Layer):
    """Returns its input unchanged. Input and output shape: same."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps an expression as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: called as `function(inputs, **arguments)`; it receives engine tensors,
            so `keras.ops`, `K.*`, Python operators and slicing all work.
        output_shape: the output shape without the batch axis, or a function of the
            input shape. When omitted it is inferred by running the function.
        arguments: extra keyword arguments for `function`.

    Input shape: anything `function` accepts. Output shape: what `function` returns.
    A Lambda wrapping a Python lambda cannot be rebuilt from its config; for models you
    save and reload, write a Layer subclass instead.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects a function; received {function!r}.")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            from kgen.graph.tracing import trace

            return trace(self._traced_call, args, kwargs, owner=self)
        return super().compute_output_spec(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = flatten(input_shape)[0] if input_shape else None  # a list of shapes: the first one's batch
        shape = self._output_shape
        if shape and isinstance(shape[0], (tuple, list)):
            return [(batch,) + tuple(s) for s in shape]
        return (batch,) + tuple(shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        fn = self.function
        config = {**super().get_config(), "arguments": self.arguments}
        config["function"] = {"module": getattr(fn, "__module__", None), "name": getattr(fn, "__qualname__", repr(fn))}
        if not callable(self._output_shape):
            config["output_shape"] = self._output_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        spec = config.pop("function")
        name = spec["name"]
        fn = (custom_objects or {}).get(name)
        if fn is None and "<lambda>" not in name and "<locals>" not in name and spec.get("module"):
            import importlib

            try:
                fn = getattr(importlib.import_module(spec["module"]), name)
            except (ImportError, AttributeError):
                fn = None
        if fn is None:
            raise ValueError(
                f"Cannot rebuild Lambda layer '{config.get('name')}': its function {name!r} is a "
                "Python lambda or local function, which a config cannot hold. Pass it in "
                "custom_objects={'" + name + "': fn}, or better, write a Layer subclass with "
                "call() and get_config()."
            )
        return cls(fn, **config)
