"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax.

Each keeps the input's shape and passes masks through.
"""

from __future__ import annotations

import numpy as np

from kgen import initializers
from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer


class _Elementwise(Layer):
    """Shape-preserving, mask-preserving base of the activation layers."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """Rectified linear unit with Keras' options:

        f(x) = max_value            for x >= max_value
        f(x) = x                    for threshold <= x < max_value
        f(x) = negative_slope * (x - threshold)   otherwise

    Args:
        max_value: upper cap (None: no cap). negative_slope: slope below threshold.
        threshold: where the unit switches on.

    Input shape: any. Output shape: same as input.

    >>> print(ReLU(max_value=6)(np.array([[-1.0, 3.0, 9.0]], 'float32')).numpy())
    [[0. 3. 6.]]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"Layer '{self.name}': max_value must be >= 0 or None; received {max_value}.")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"Layer '{self.name}': negative_slope must be >= 0; received {negative_slope}.")
        if threshold is None:
            raise ValueError(f"Layer '{self.name}': threshold must be a number; received None.")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        return ops.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """`x` for x >= 0, `negative_slope * x` below (default slope 0.3, Keras' default).

    Args:
        negative_slope: the slope for x < 0 (Keras 2 called it `alpha`, also accepted).

    Input shape: any. Output shape: same as input.

    >>> print(LeakyReLU()(np.array([[-1.0, 2.0]], 'float32')).numpy())
    [[-0.3  2. ]]
    """

    def __init__(self, negative_slope=0.3, alpha=None, **kwargs):
        super().__init__(**kwargs)
        if alpha is not None:
            negative_slope = alpha
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"Layer '{self.name}': negative_slope must be >= 0; received {negative_slope}.")
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(_Elementwise):
    """Leaky ReLU whose slopes are learned: `x` for x >= 0, `alpha * x` below.

    Args:
        alpha_initializer: initial slopes (zeros: starts as a ReLU).
        alpha_regularizer, alpha_constraint: for the slope weight.
        shared_axes: axes (1-based, batch excluded) sharing one slope, e.g. [1, 2] for one
            slope per channel of an image.

    Input shape: any. Output shape: same as input.
    Weights: alpha `input_shape[1:]` with 1 on every shared axis.

    >>> PReLU(shared_axes=[1, 2])(np.zeros((1, 4, 4, 3), 'float32')).shape
    (1, 4, 4, 3)
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = alpha_regularizer
        self.alpha_constraint = alpha_constraint
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (int, np.integer)):
            self.shared_axes = [int(shared_axes)]
        else:
            self.shared_axes = [int(a) for a in shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(
                    f"Layer '{self.name}' (PReLU): shared_axes must be between 1 and {len(input_shape) - 1} for "
                    f"inputs of shape {tuple(input_shape)}; received shared_axes={self.shared_axes}."
                )
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"Layer '{self.name}' (PReLU) needs known sizes on the axes it does not share; received "
                f"input_shape={tuple(input_shape)}. Share the unknown axes with shared_axes=[...]."
            )
        self.alpha = self.add_weight(name="alpha", shape=tuple(param_shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        negative = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(ops.relu(inputs), negative)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "shared_axes": self.shared_axes}


class ELU(_Elementwise):
    """Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise.

    Input shape: any. Output shape: same as input.

    >>> print(ELU(alpha=1.0)(np.array([[-1.0, 2.0]], 'float32')).numpy().round(3))
    [[-0.632  2.   ]]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ThresholdedReLU(_Elementwise):
    """`x` where x > theta, else 0 (a Keras 2 layer; Keras 3 spells it ReLU(threshold=theta)).

    Input shape: any. Output shape: same as input.

    >>> print(ThresholdedReLU(theta=1.0)(np.array([[0.5, 1.5]], 'float32')).numpy())
    [[0.  1.5]]
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or theta < 0:
            raise ValueError(f"Layer '{self.name}': theta must be >= 0; received theta={theta}.")
        self.theta = float(theta)

    def call(self, inputs):
        return ops.multiply(inputs, ops.cast(ops.greater(inputs, self.theta), inputs.dtype))

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


class Softmax(_Elementwise):
    """Softmax along `axis`: exp(x) / sum(exp(x)), a probability distribution per row.

    Args:
        axis: int or list of ints, the axis (axes) normalised over.

    With a mask of the input's rank (call(inputs, mask=...)), masked positions get
    probability 0; a propagated time-step mask of lower rank is ignored.
    Input shape: any. Output shape: same as input.

    >>> print(Softmax()(np.zeros((1, 4), 'float32')).numpy())
    [[0.25 0.25 0.25 0.25]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None and np.ndim(mask) == len(inputs.shape):
            keep = np.asarray(mask, dtype=bool)
            inputs = ops.add(inputs, np.where(keep, 0.0, -1e9).astype(np.float32))
        if isinstance(self.axis, (tuple, list)):
            axes = tuple(self.axis)
            return ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=axes, keepdims=True)))
        return ops.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
