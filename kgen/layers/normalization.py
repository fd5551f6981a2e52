"""Normalization layers: BatchNormalization and LayerNormalization."""

from __future__ import annotations

import numpy as np

from kgen import initializers
from kgen.engine import ops
from kgen.engine.tensor import as_array
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer


def _normalize(x, mean, variance, gamma, beta, epsilon):
    """x * inv + (beta - mean * inv) with inv = gamma / sqrt(variance + epsilon) (Keras' order)."""
    inv = ops.power(ops.add(variance, epsilon), -0.5)
    if gamma is not None:
        inv = ops.multiply(inv, gamma)
    offset = ops.negative(ops.multiply(mean, inv))
    if beta is not None:
        offset = ops.add(offset, beta)
    return ops.add(ops.multiply(x, inv), offset)


def _axes_list(axis):
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]


class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics while training, moving averages at inference.

        training=True:   y = gamma * (x - batch_mean) / sqrt(batch_var + epsilon) + beta,
                         and moving = moving * momentum + batch_stat * (1 - momentum)
        otherwise:       y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta

    Args:
        axis: the feature axis (-1: channels_last; 1 for channels_first images).
        momentum: of the moving averages. epsilon: added to the variance.
        center, scale: learn beta / gamma.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer.

    Input shape: any. Output shape: same as input.
    Weights: gamma, beta (trainable), moving_mean, moving_variance (not trainable), each
        `(input_shape[axis],)`. A frozen layer (trainable=False) always uses the moving averages.

    >>> BatchNormalization()(np.ones((4, 3), 'float32')).shape
    (4, 3)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization): axis={self.axis} is not a feature axis of inputs "
                f"with shape {tuple(input_shape)}. Use -1 for channels_last, 1 for channels_first."
            )
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization) needs a known size on axis {self.axis}; received "
                f"input_shape={tuple(input_shape)}."
            )
        shape = (size,)
        self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer, constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer, constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: size})

    def _broadcast(self, v, ndim):
        """A (C,) weight shaped to broadcast along the feature axis."""
        if v is None or self.axis % ndim == ndim - 1:
            return v
        shape = [1] * ndim
        shape[self.axis % ndim] = -1
        return ops.reshape(v, shape)

    def call(self, inputs, training=None, mask=None):
        ndim = len(inputs.shape)
        gamma, beta = self._broadcast(self.gamma, ndim), self._broadcast(self.beta, ndim)
        if training and self.trainable:
            axes = tuple(i for i in range(ndim) if i != self.axis % ndim)
            mean, variance = self._moments(inputs, axes, mask)
            self._update_moving(as_array(mean).reshape(-1), as_array(variance).reshape(-1))
            return _normalize(inputs, mean, variance, gamma, beta, self.epsilon)
        mean = self._broadcast(self.moving_mean, ndim)
        variance = self._broadcast(self.moving_variance, ndim)
        return _normalize(inputs, mean, variance, gamma, beta, self.epsilon)

    def _moments(self, inputs, axes, mask):
        if mask is None:
            return ops.mean(inputs, axis=axes, keepdims=True), ops.var(inputs, axis=axes, keepdims=True)
        weights = np.asarray(mask, dtype=np.float32)
        weights = weights.reshape(weights.shape + (1,) * (len(inputs.shape) - weights.ndim))
        total = np.sum(np.broadcast_to(weights, inputs.shape), axis=axes, keepdims=True)
        mean = ops.divide(ops.sum(ops.multiply(inputs, weights), axis=axes, keepdims=True), total)
        centered = ops.subtract(inputs, mean)
        variance = ops.divide(ops.sum(ops.multiply(ops.square(centered), weights), axis=axes, keepdims=True), total)
        return mean, variance

    def _update_moving(self, mean, variance):
        m = np.float32(self.momentum)
        self.moving_mean.assign(self.moving_mean.data * m + mean.astype(np.float32) * (1 - m))
        self.moving_variance.assign(self.moving_variance.data * m + variance.astype(np.float32) * (1 - m))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }


class LayerNormalization(Layer):
    """Normalizes each sample over its feature axis (axes): `gamma * (x - mean) / sqrt(var + eps) + beta`.

    Statistics come from the sample itself, so training and inference compute the same thing.

    Args:
        axis: int or list of ints, the axes normalised over (default: the last).
        epsilon: added to the variance. center, scale: learn beta / gamma.
        rms_scaling: divide by the root mean square instead (no centering, no beta).

    Input shape: any. Output shape: same as input.
    Weights: gamma, beta, each shaped like the normalised axes.

    >>> LayerNormalization()(np.arange(6, dtype='float32').reshape(2, 3)).shape
    (2, 3)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = sorted(a % ndim for a in _axes_list(self.axis))
        if any(not -ndim <= a < ndim for a in _axes_list(self.axis)) or 0 in axes:
            raise ValueError(
                f"Layer '{self.name}' (LayerNormalization): axis={self.axis} is invalid for inputs with shape "
                f"{tuple(input_shape)}; use feature axes (not the batch axis 0)."
            )
        self._axes = tuple(axes)
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(
                f"Layer '{self.name}' (LayerNormalization) needs known sizes on axes {self._axes}; received "
                f"input_shape={tuple(input_shape)}."
            )
        self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer, constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center and not self.rms_scaling else None
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in axes})

    def _broadcast(self, v, ndim):
        if v is None:
            return None
        shape = [1] * ndim
        for i, a in enumerate(self._axes):
            shape[a] = v.shape[i]
        return ops.reshape(v, shape)

    def call(self, inputs):
        ndim = len(inputs.shape)
        gamma, beta = self._broadcast(self.gamma, ndim), self._broadcast(self.beta, ndim)
        if self.rms_scaling:
            variance = ops.mean(ops.square(inputs), axis=self._axes, keepdims=True)
            y = ops.multiply(inputs, ops.power(ops.add(variance, self.epsilon), -0.5))
            return y if gamma is None else ops.multiply(y, gamma)
        mean = ops.mean(inputs, axis=self._axes, keepdims=True)
        variance = ops.var(inputs, axis=self._axes, keepdims=True)
        return _normalize(inputs, mean, variance, gamma, beta, self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
        }
