"""Pooling layers: Max/Average Pooling 1D/2D/3D and their Global variants.

Windowed pooling runs on `kgen.engine.ops.pool` (numba kernels); global pooling is a
max or mean reduction over the spatial axes.
"""

from __future__ import annotations

import numpy as np

from kgen.engine import ops
from kgen.engine.ops.conv import conv_output_length
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.layers.convolutional import normalize_data_format, normalize_padding, normalize_tuple


class _Pooling(Layer):
    """Shared logic of the windowed pooling layers (rank = number of spatial axes)."""

    rank = 2
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", self.name)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides", self.name)
        self.padding = normalize_padding(padding, ("valid", "same"), self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        fn = ops.max_pool if self.mode == "max" else ops.average_pool
        return fn(inputs, self.pool_size, strides=self.strides, padding=self.padding, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        new = tuple(conv_output_length(n, k, self.padding, s) for n, k, s in zip(spatial, self.pool_size, self.strides))
        if first:
            return tuple(input_shape[:2]) + new
        return (input_shape[0],) + new + (input_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


_POOL_DOC = """{what} pooling over {rank}-D windows.

    Args:
        pool_size: int or tuple of {rank} ints, the window size.
        strides: int or tuple of {rank} ints; defaults to pool_size.
        padding: 'valid' (windows inside the input) or 'same' (output ceil(n/stride)); {padnote}
        data_format: 'channels_last' (default) or 'channels_first'.

    Input shape: `(batch, {spatial}, channels)` (channels_last).
    Output shape: `(batch, {new_spatial}, channels)`, each new size
        `(n - pool) // stride + 1` ('valid') or `ceil(n / stride)` ('same').

    >>> {example}
    """

_MAX_NOTE = "padded cells never win."
_AVG_NOTE = "padded cells are not counted in the mean."


def _pool_doc(rank, mode, spatial, new_spatial, example):
    return _POOL_DOC.format(what="Max" if mode == "max" else "Average", rank=rank, spatial=spatial,
                            new_spatial=new_spatial, example=example, padnote=_MAX_NOTE if mode == "max" else _AVG_NOTE)


class MaxPooling1D(_Pooling):
    __doc__ = _pool_doc(1, "max", "steps", "new_steps", "MaxPooling1D(2)(np.zeros((1, 7, 3), 'float32')).shape\n    (1, 3, 3)")
    rank, mode = 1, "max"


class MaxPooling2D(_Pooling):
    __doc__ = _pool_doc(2, "max", "rows, cols", "new_rows, new_cols",
                        "MaxPooling2D((2, 2))(np.zeros((1, 5, 5, 2), 'float32')).shape\n    (1, 2, 2, 2)")
    rank, mode = 2, "max"


class MaxPooling3D(_Pooling):
    __doc__ = _pool_doc(3, "max", "d1, d2, d3", "new_d1, new_d2, new_d3",
                        "MaxPooling3D(2)(np.zeros((1, 4, 4, 4, 1), 'float32')).shape\n    (1, 2, 2, 2, 1)")
    rank, mode = 3, "max"


class AveragePooling1D(_Pooling):
    __doc__ = _pool_doc(1, "avg", "steps", "new_steps",
                        "AveragePooling1D(2, padding='same')(np.zeros((1, 7, 3), 'float32')).shape\n    (1, 4, 3)")
    rank, mode = 1, "avg"


class AveragePooling2D(_Pooling):
    __doc__ = _pool_doc(2, "avg", "rows, cols", "new_rows, new_cols",
                        "AveragePooling2D((2, 2))(np.zeros((1, 5, 5, 2), 'float32')).shape\n    (1, 2, 2, 2)")
    rank, mode = 2, "avg"


class AveragePooling3D(_Pooling):
    __doc__ = _pool_doc(3, "avg", "d1, d2, d3", "new_d1, new_d2, new_d3",
                        "AveragePooling3D(2)(np.zeros((1, 4, 4, 4, 1), 'float32')).shape\n    (1, 2, 2, 2, 1)")
    rank, mode = 3, "avg"


class _GlobalPooling(Layer):
    """Shared logic of the global pooling layers: reduce every spatial axis."""

    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.name)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.supports_masking = self.rank == 1

    def _axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def call(self, inputs, mask=None):
        axes = self._axes()
        if self.mode == "avg" and mask is not None and self.rank == 1:
            return _masked_mean(inputs, mask, axes[0], self.data_format, self.keepdims)
        fn = ops.max if self.mode == "max" else ops.mean
        return fn(inputs, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


def _masked_mean(inputs, mask, axis, data_format, keepdims):
    """Mean over the unmasked steps only (Keras' GlobalAveragePooling1D with a mask)."""
    weights = np.asarray(mask, dtype=np.float32)
    weights = weights[:, :, None] if data_format == "channels_last" else weights[:, None, :]
    total = ops.sum(ops.multiply(inputs, weights), axis=axis, keepdims=keepdims)
    return ops.divide(total, np.sum(weights, axis=axis, keepdims=keepdims))


_GLOBAL_DOC = """Global {what} pooling: the {what_lower} over all {rank}-D positions, per channel.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
        keepdims: keep the reduced axes with length 1.
    {mask}
    Input shape: `(batch, {spatial}, channels)` (channels_last).
    Output shape: `(batch, channels)`, or `(batch, {ones}channels)` with keepdims.

    >>> {example}
    """


def _global_doc(rank, mode, spatial, example):
    mask = "\n    With a mask (e.g. from Embedding(mask_zero=True)), masked steps are left out of the mean.\n" \
        if (rank == 1 and mode == "avg") else ""
    return _GLOBAL_DOC.format(what="max" if mode == "max" else "average",
                              what_lower="maximum" if mode == "max" else "mean", rank=rank, spatial=spatial,
                              ones="1, " * rank, example=example, mask=mask)


class GlobalMaxPooling1D(_GlobalPooling):
    __doc__ = _global_doc(1, "max", "steps", "GlobalMaxPooling1D()(np.zeros((2, 5, 3), 'float32')).shape\n    (2, 3)")
    rank, mode = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    __doc__ = _global_doc(2, "max", "rows, cols", "GlobalMaxPooling2D()(np.zeros((2, 4, 5, 3), 'float32')).shape\n    (2, 3)")
    rank, mode = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    __doc__ = _global_doc(3, "max", "d1, d2, d3", "GlobalMaxPooling3D()(np.zeros((2, 2, 2, 2, 3), 'float32')).shape\n    (2, 3)")
    rank, mode = 3, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    __doc__ = _global_doc(1, "avg", "steps", "GlobalAveragePooling1D()(np.zeros((2, 5, 3), 'float32')).shape\n    (2, 3)")
    rank, mode = 1, "avg"


class GlobalAveragePooling2D(_GlobalPooling):
    __doc__ = _global_doc(2, "avg", "rows, cols", "GlobalAveragePooling2D()(np.zeros((2, 4, 5, 3), 'float32')).shape\n    (2, 3)")
    rank, mode = 2, "avg"


class GlobalAveragePooling3D(_GlobalPooling):
    __doc__ = _global_doc(3, "avg", "d1, d2, d3",
                          "GlobalAveragePooling3D()(np.zeros((2, 2, 2, 2, 3), 'float32')).shape\n    (2, 3)")
    rank, mode = 3, "avg"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D
