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
