"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector."""

from __future__ import annotations

import numpy as np

from kgen.engine import ops
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer


class Flatten(Layer):
    """Flattens all axes but the batch, in row-major (C) order.

    Input shape: `(batch_size, d1, d2, ...)`. Output shape: `(batch_size, d1*d2*...)`.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and len(x.shape) > 2:
            x = ops.transpose(x, (0,) + tuple(range(2, len(x.shape))) + (1,))
        return ops.reshape(x, (x.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes to `target_shape` (batch axis excluded; one entry may be -1).

    Input shape: `(batch_size, *any)`. Output shape: `(batch_size, *target_shape)`.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape '{self.name}': at most one -1 in target_shape; received {self.target_shape}.")

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        target = list(self.target_shape)
        if -1 in target:
            if any(d is None for d in rest):
                target[target.index(-1)] = None
            else:
                known = int(np.prod([d for d in target if d != -1]))
                total = int(np.prod(rest))
                if known == 0 or total % known:
                    raise ValueError(self._mismatch(input_shape))
                target[target.index(-1)] = total // known
        elif not any(d is None for d in rest) and int(np.prod(rest)) != int(np.prod(target)):
            raise ValueError(self._mismatch(input_shape))
        return (input_shape[0],) + tuple(target)

    def _mismatch(self, input_shape):
        size = int(np.prod(input_shape[1:]))
        return (
            f"Layer '{self.name}' (Reshape) cannot reshape input of shape {tuple(input_shape)} "
            f"({size} values per sample) to target_shape {self.target_shape} "
            f"({int(np.prod([d for d in self.target_shape if d != -1]))} values). The product of "
            "target_shape must equal the number of values per sample."
        )

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the non-batch axes; `dims` is 1-indexed: Permute((2, 1)) swaps the two axes.

    Input shape: `(batch_size, d1, ..., dn)`. Output shape: dims reordered by `dims`.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for layer '{self.name}': {self.dims}. `dims` "
                f"must be a permutation of 1..{len(self.dims)} (the batch axis 0 is not included)."
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats a vector n times: (batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}


# --------------------------------------------------------------------------- cropping, padding, upsampling
# One base class each for cropping, zero padding and upsampling; the 1D/2D/3D classes fix
# the number of spatial axes. The spatial axes follow `data_format` (the channels stay).


def _pairs(value, rank, name, layer_name):
    """Keras' forms (int, (a, b) for 1-D, rank ints, or rank (before, after) pairs) as pairs."""
    try:
        if isinstance(value, (int, np.integer)):
            pairs = ((int(value), int(value)),) * rank
        elif rank == 1 and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
            pairs = ((int(value[0]), int(value[1])),)
        elif len(value) == rank and all(isinstance(v, (int, np.integer)) for v in value):
            pairs = tuple((int(v), int(v)) for v in value)
        elif len(value) == rank:
            pairs = tuple((int(a), int(b)) for a, b in value)
        else:
            raise ValueError
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"Layer '{layer_name}': `{name}` must be an int, a tuple of {rank} ints, or a tuple of {rank} "
            f"(before, after) pairs; received {name}={value!r}."
        ) from e
    if any(a < 0 or b < 0 for a, b in pairs):
        raise ValueError(f"Layer '{layer_name}': `{name}` must be non-negative; received {name}={value!r}.")
    return pairs


def _data_format(value, layer_name):
    from kgen.layers.convolutional import normalize_data_format

    return normalize_data_format(value, layer_name)


class _Spatial(Layer):
    """Shared by Cropping/ZeroPadding/UpSampling: which axes are spatial under `data_format`."""

    rank = 1

    def _init_spatial(self, data_format):
        self.data_format = "channels_last" if self.rank == 1 else _data_format(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def _map_spatial(self, input_shape, fn):
        shape = list(input_shape)
        for i, axis in enumerate(self._spatial_axes()):
            shape[axis] = None if shape[axis] is None else fn(i, shape[axis])
        return tuple(shape)


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", self.name)
        self._init_spatial(data_format)

    def _check(self, input_shape):
        for (a, b), axis in zip(self.cropping, self._spatial_axes()):
            n = input_shape[axis]
            if n is not None and a + b >= n:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): cropping {self.cropping} removes everything "
                    f"from axis {axis} of size {n} (input shape {tuple(input_shape)}). Crop less than the "
                    "axis length in total."
                )

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return self._map_spatial(input_shape, lambda i, n: n - sum(self.cropping[i]))

    def call(self, inputs):
        index = [slice(None)] * len(inputs.shape)
        for (a, b), axis in zip(self.cropping, self._spatial_axes()):
            index[axis] = slice(a, inputs.shape[axis] - b)
        return ops.getitem(inputs, tuple(index))

    def get_config(self):
        config = {**super().get_config(), "cropping": self.cropping}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(_Cropping):
    """Crops steps off the start and end of a sequence.

    Args:
        cropping: int (both ends) or (start, end).

    Input shape: `(batch, steps, features)`.
    Output shape: `(batch, steps - start - end, features)`.

    >>> Cropping1D((1, 2))(np.zeros((2, 8, 3), 'float32')).shape
    (2, 5, 3)
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns off the edges of an image.

    Args:
        cropping: int (all sides), (rows, cols) symmetric amounts, or
            ((top, bottom), (left, right)).
        data_format: 'channels_last' (default) or 'channels_first'.

    Input shape: `(batch, rows, cols, channels)` (channels_last).
    Output shape: `(batch, rows - top - bottom, cols - left - right, channels)`.

    >>> Cropping2D(((2, 2), (4, 4)))(np.zeros((1, 28, 28, 3), 'float32')).shape
    (1, 24, 20, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the edges of a volume along its three spatial axes.

    Args:
        cropping: int, 3 symmetric amounts, or 3 (before, after) pairs.
        data_format: 'channels_last' (default) or 'channels_first'.

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last).
    Output shape: `(batch, d1 - c1, d2 - c2, d3 - c3, channels)`, ci the total crop of axis i.

    >>> Cropping3D(1)(np.zeros((1, 4, 4, 4, 2), 'float32')).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self.rank, "padding", self.name)
        self._init_spatial(data_format)

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, lambda i, n: n + sum(self.padding[i]))

    def call(self, inputs):
        widths = [(0, 0)] * len(inputs.shape)
        for pair, axis in zip(self.padding, self._spatial_axes()):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def get_config(self):
        config = {**super().get_config(), "padding": self.padding}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class ZeroPadding1D(_ZeroPadding):
    """Adds zero steps at the start and end of a sequence.

    Args:
        padding: int (both ends) or (start, end).

    Input shape: `(batch, steps, features)`.
    Output shape: `(batch, steps + start + end, features)`.

    >>> ZeroPadding1D((1, 2))(np.zeros((2, 4, 3), 'float32')).shape
    (2, 7, 3)
    """

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around an image.

    Args:
        padding: int (all sides), (rows, cols) symmetric amounts, or ((top, bottom), (left, right)).
        data_format: 'channels_last' (default) or 'channels_first'.

    Input shape: `(batch, rows, cols, channels)` (channels_last).
    Output shape: `(batch, rows + top + bottom, cols + left + right, channels)`.

    >>> ZeroPadding2D(((1, 2), (0, 1)))(np.zeros((1, 3, 4, 2), 'float32')).shape
    (1, 6, 5, 2)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around a volume along its three spatial axes.

    Args:
        padding: int, 3 symmetric amounts, or 3 (before, after) pairs.
        data_format: 'channels_last' (default) or 'channels_first'.

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last).
    Output shape: `(batch, d1 + p1, d2 + p2, d3 + p3, channels)`, pi the total padding of axis i.

    >>> ZeroPadding3D(1)(np.zeros((1, 2, 2, 2, 1), 'float32')).shape
    (1, 4, 4, 4, 1)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class _UpSampling(_Spatial):
    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        from kgen.layers.convolutional import normalize_tuple

        self.size = normalize_tuple(size, self.rank, "size", self.name)
        self._init_spatial(data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"Layer '{self.name}': interpolation must be 'nearest' or 'bilinear'; received {interpolation!r}."
            )
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, lambda i, n: n * self.size[i])

    def call(self, inputs):
        return ops.upsample(inputs, self.size, self._spatial_axes(), self.interpolation)

    def get_config(self):
        config = {**super().get_config(), "size": self.size}
        if self.rank > 1:
            config["data_format"] = self.data_format
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step `size` times.

    Input shape: `(batch, steps, features)`. Output shape: `(batch, steps * size, features)`.

    >>> UpSampling1D(2)(np.zeros((1, 4, 3), 'float32')).shape
    (1, 8, 3)
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)


class UpSampling2D(_UpSampling):
    """Enlarges an image by integer factors (rows, cols).

    Args:
        size: int or (rows, cols) factors.
        data_format: 'channels_last' (default) or 'channels_first'.
        interpolation: 'nearest' (repeat pixels) or 'bilinear' (half-pixel centres, edges
            clamped, as TensorFlow/JAX resize).

    Input shape: `(batch, rows, cols, channels)` (channels_last).
    Output shape: `(batch, rows * size[0], cols * size[1], channels)`.

    >>> UpSampling2D((2, 3))(np.zeros((1, 3, 4, 2), 'float32')).shape
    (1, 6, 12, 2)
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format=data_format, interpolation=interpolation, **kwargs)


class UpSampling3D(_UpSampling):
    """Repeats each voxel `size` times along the three spatial axes.

    Input shape: `(batch, d1, d2, d3, channels)` (channels_last).
    Output shape: `(batch, d1 * s1, d2 * s2, d3 * s3, channels)`.

    >>> UpSampling3D(2)(np.zeros((1, 2, 2, 2, 1), 'float32')).shape
    (1, 4, 4, 4, 1)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)
