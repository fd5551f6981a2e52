"""Merge layers: combine a list of tensors into one (Add, Subtract, ..., Concatenate, Dot).

`Merge` holds the shared logic (checking the list, the elementwise shape rule, masks);
each subclass supplies only its merge function, as in Keras' `merging/base_merge.py`.
Lowercase functions (`add([a, b])`) build the layer and call it in one go.
"""

from __future__ import annotations

import numpy as np

from kgen.engine import ops
from kgen.graph.layer import Layer


class Merge(Layer):
    """Base of the elementwise merge layers. Input: a list of tensors of one shape."""

    min_inputs = 2
    max_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__} '{self.name}') must be called on a list of "
                f"tensors, e.g. {type(self).__name__}()([x1, x2]). Received an input of shape {input_shape}."
            )
        n = len(input_shape)
        if n < self.min_inputs or (self.max_inputs is not None and n > self.max_inputs):
            want = f"exactly {self.max_inputs}" if self.max_inputs == self.min_inputs else f"at least {self.min_inputs}"
            raise ValueError(
                f"A {type(self).__name__} layer ('{self.name}') should be called on {want} inputs. "
                f"Received: {n} input(s) with shapes {list(map(tuple, input_shape))}."
            )

    def _elementwise_shape(self, input_shape):
        """Keras' rule: trailing axes agree, or one side is 1 (broadcast); None stays unknown."""
        shapes = [tuple(s) for s in input_shape]
        out = shapes[0]
        for shape in shapes[1:]:
            long, short = (out, shape) if len(out) >= len(shape) else (shape, out)
            merged = list(long[: len(long) - len(short)])
            for a, b in zip(long[len(long) - len(short):], short):
                if a is None or b is None:
                    merged.append(None)
                elif a == 1 or b == 1:
                    merged.append(b if a == 1 else a)
                elif a != b:
                    raise ValueError(self._incompatible(shapes))
                else:
                    merged.append(a)
            out = tuple(merged)
        return out

    def _incompatible(self, shapes):
        return (
            f"Inputs have incompatible shapes for layer '{self.name}' ({type(self).__name__}). "
            f"Received shapes {', '.join(map(str, shapes))}. {type(self).__name__} works "
            "elementwise, so the shapes must be equal (a size of 1 broadcasts). To join tensors of "
            "different sizes use Concatenate, or project them to one size with Dense first."
        )

    def build(self, input_shape):
        self._check_list(input_shape)
        self._elementwise_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        return self._elementwise_shape(input_shape)

    def call(self, inputs):
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [np.asarray(m, dtype=bool) for m in mask if m is not None]
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out


class Add(Merge):
    """Sums a list of tensors of one shape. Input: list of `(batch, ...)`; output: same shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return out


class Subtract(Merge):
    """`inputs[0] - inputs[1]`; exactly two tensors of one shape."""

    min_inputs = max_inputs = 2

    def _merge_function(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Elementwise product of a list of tensors of one shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.multiply(out, x)
        return out


class Average(Merge):
    """Elementwise mean of a list of tensors of one shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return ops.divide(out, float(len(inputs)))


class Maximum(Merge):
    """Elementwise maximum of a list of tensors of one shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.maximum(out, x)
        return out


class Minimum(Merge):
    """Elementwise minimum of a list of tensors of one shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.minimum(out, x)
        return out


class Concatenate(Merge):
    """Joins a list of tensors along `axis`; all other axes must match.

    Input: list of `(batch, ..., d_i, ...)`. Output: `(batch, ..., sum(d_i), ...)`.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _elementwise_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or any(len(s) != rank for s in shapes):
            raise ValueError(self._concat_error(shapes))
        for i in range(rank):
            if i == axis:
                continue
            sizes = {s[i] for s in shapes if s[i] is not None}
            if len(sizes) > 1:
                raise ValueError(self._concat_error(shapes))
        out = list(shapes[0])
        out[axis] = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
        for i in range(rank):
            if i != axis and out[i] is None:
                out[i] = next((s[i] for s in shapes if s[i] is not None), None)
        return tuple(out)

    def _concat_error(self, shapes):
        return (
            f"A Concatenate layer ('{self.name}') requires inputs with matching shapes except for "
            f"the concatenation axis (axis={self.axis}). Received: input_shape={shapes}. Choose the "
            "axis along which the sizes differ, or reshape the inputs so the other axes match."
        )

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            shape = tuple(x.shape)
            full.append(np.ones(shape[: len(shape) - 1], dtype=bool) if m is None else np.asarray(m, dtype=bool))
        if self.axis in (-1, len(inputs[0].shape) - 1):
            out = full[0]
            for m in full[1:]:
                out = out & m
            return out
        return np.concatenate(full, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Dot product of two tensors along `axes` (per sample); `normalize=True` gives cosines.

    Input: two tensors `(batch, ...)`. Output: the axes contracted, `(batch, 1)` at least.
    """

    min_inputs = max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        self.axes = tuple(int(a) for a in axes)
        self.normalize = normalize
        self.supports_masking = False

    def _resolved_axes(self, shapes):
        return tuple(a % len(s) for a, s in zip(self.axes, shapes))

    def _elementwise_shape(self, input_shape):
        s1, s2 = (tuple(s) for s in input_shape)
        a1, a2 = self._resolved_axes((s1, s2))
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(
                f"Incompatible input shapes for layer '{self.name}' (Dot): axis {a1} of {s1} has "
                f"size {s1[a1]} but axis {a2} of {s2} has size {s2[a2]}. Dot contracts these two "
                "axes, so their sizes must be equal; choose other `axes`."
            )
        out = (s1[0],) + tuple(d for i, d in enumerate(s1) if i not in (0, a1)) + tuple(
            d for i, d in enumerate(s2) if i not in (0, a2)
        )
        return out if len(out) > 1 else out + (1,)

    def call(self, inputs):
        x1, x2 = inputs
        a1, a2 = self._resolved_axes((x1.shape, x2.shape))
        if self.normalize:
            x1 = ops.l2_normalize(x1, axis=a1)
            x2 = ops.l2_normalize(x2, axis=a2)
        return ops.batch_dot(x1, x2, axes=(a1, a2))

    def get_config(self):
        return {**super().get_config(), "axes": list(self.axes), "normalize": self.normalize}


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
