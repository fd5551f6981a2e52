"""Noise and regularisation layers: active only in training (`training=True`), identity otherwise.

GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D/2D/3D, ActivityRegularization.
The noise is a constant array drawn from numpy's generator (`kgen.random`, or the layer's own
when `seed` is given) and multiplied or added with engine ops, so gradients flow through.
"""

from __future__ import annotations

import math

import numpy as np

from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.random import generator


def _check_rate(layer, rate):
    if not 0 <= rate < 1:
        raise ValueError(
            f"Invalid value received for argument `rate` of layer '{layer.name}': expected a float in "
            f"[0, 1), received rate={rate}."
        )
    return float(rate)


class _Noise(Layer):
    """Shared logic: a seeded generator, shape and mask pass-through."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = True

    @property
    def rng(self):
        return self._rng if self._rng is not None else generator()

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class GaussianNoise(_Noise):
    """Adds zero-centred Gaussian noise of standard deviation `stddev` while training.

    Input shape: any. Output shape: same as input.

    >>> x = np.ones((2, 3), 'float32')
    >>> bool((np.asarray(GaussianNoise(0.1)(x)) == x).all())  # inference: unchanged
    True
    >>> bool((np.asarray(GaussianNoise(0.1)(x, training=True)) == x).all())
    False
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if stddev < 0:
            raise ValueError(f"Layer '{self.name}': stddev must be >= 0; received stddev={stddev}.")
        self.stddev = float(stddev)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = self.rng.normal(0.0, self.stddev, size=tuple(inputs.shape)).astype(inputs.dtype)
        return ops.add(inputs, noise)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate)) while training.

    Input shape: any. Output shape: same as input.

    >>> x = np.ones((2, 3), 'float32')
    >>> bool((np.asarray(GaussianDropout(0.2)(x)) == x).all())  # inference: unchanged
    True
    >>> bool((np.asarray(GaussianDropout(0.2)(x, training=True)) == x).all())
    False
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(self, rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = self.rng.normal(1.0, stddev, size=tuple(inputs.shape)).astype(inputs.dtype)
        return ops.multiply(inputs, noise)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


def _noise_shape(inputs, noise_shape):
    shape = tuple(inputs.shape)
    if noise_shape is None:
        return shape
    return tuple(s if n is None else int(n) for s, n in zip(shape, noise_shape))


class AlphaDropout(_Noise):
    """Dropout for SELU networks: keeps the mean and variance of the inputs while training.

    Dropped units are set to SELU's negative saturation value, then an affine correction
    `a * x + b` restores the statistics (Klambauer et al., 2017).

    Input shape: any. Output shape: same as input.

    >>> x = np.ones((2, 3), 'float32')
    >>> bool((np.asarray(AlphaDropout(0.1)(x)) == x).all())  # inference: unchanged
    True
    >>> bool((np.asarray(AlphaDropout(0.1)(x, training=True)) == x).all())
    False
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(self, rate)
        self.noise_shape = noise_shape

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        alpha_p = -1.6732632423543772 * 1.0507009873554805
        rate = self.rate
        kept = (self.rng.uniform(size=_noise_shape(inputs, self.noise_shape)) >= rate).astype(inputs.dtype)
        a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * rate
        x = ops.add(ops.multiply(inputs, kept), (alpha_p * (1 - kept)).astype(inputs.dtype))
        return ops.add(ops.multiply(x, np.float32(a)), np.float32(b))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape}


class _SpatialDropout(_Noise):
    """Dropout of whole feature maps: one keep/drop decision per (sample, channel)."""

    rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        from kgen.layers.convolutional import normalize_data_format

        self.rate = _check_rate(self, rate)
        self.data_format = normalize_data_format(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.data_format == "channels_last":
            noise_shape = (shape[0],) + (1,) * self.rank + (shape[-1],)
        else:
            noise_shape = shape[:2] + (1,) * self.rank
        keep = (self.rng.uniform(size=noise_shape) >= self.rate).astype(inputs.dtype) / np.float32(1 - self.rate)
        return ops.multiply(inputs, keep)

    def get_config(self):
        config = {**super().get_config(), "rate": self.rate}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole feature channels of a sequence while training (scaling the rest by 1/(1-rate)).

    Input shape: `(batch, steps, channels)`. Output shape: same.

    >>> x = np.ones((2, 4, 3), 'float32')
    >>> bool((np.asarray(SpatialDropout1D(0.5)(x)) == x).all())  # inference: unchanged
    True
    >>> bool((np.asarray(SpatialDropout1D(0.5)(x, training=True)) == x).all())
    False
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of an image while training (scaling the rest by 1/(1-rate)).

    Input shape: `(batch, rows, cols, channels)` (channels_last) or channels_first. Output shape: same.

    >>> x = np.ones((1, 4, 4, 3), 'float32')
    >>> bool((np.asarray(SpatialDropout2D(0.5)(x)) == x).all())  # inference: unchanged
    True
    >>> bool((np.asarray(SpatialDropout2D(0.5)(x, training=True)) == x).all())
    False
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3-D feature maps while training (scaling the rest by 1/(1-rate)).

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last) or channels_first. Output shape: same.

    >>> x = np.ones((1, 2, 2, 2, 3), 'float32')
    >>> bool((np.asarray(SpatialDropout3D(0.5)(x)) == x).all())  # inference: unchanged
    True
    >>> bool((np.asarray(SpatialDropout3D(0.5)(x, training=True)) == x).all())
    False
    """

    rank = 3


class ActivityRegularization(Layer):
    """The identity, plus a loss `l1 * sum(|x|) + l2 * sum(x^2)` on its input while training.

    The loss of the latest training call is in `layer.losses` (and so in the model's losses,
    which training adds to the objective).

    Input shape: any. Output shape: same as input.

    >>> ActivityRegularization(l1=0.01)(np.ones((2, 3), 'float32')).shape
    (2, 3)
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training:
            loss = 0.0
            if self.l1:
                loss = ops.add(loss, ops.multiply(self.l1, ops.sum(ops.abs(inputs))))
            if self.l2:
                loss = ops.add(loss, ops.multiply(self.l2, ops.sum(ops.square(inputs))))
            self._losses[:] = [loss]
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
