"""InputSpec: what a layer accepts (rank, fixed axis sizes, dtype); checked on every call."""

from __future__ import annotations


class InputSpec:
    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, shape=None, dtype=None, allow_last_axis_squeeze=False, name=None):
        self.ndim = len(shape) if shape is not None else ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = dtype
        self.name = name

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, {}, False)]
        return f"InputSpec({', '.join(parts)})"


def _expected(spec):
    if spec.shape is not None:
        return f"shape=(None, {', '.join(str(d) for d in spec.shape[1:])})" if len(spec.shape) > 1 else f"shape={spec.shape}"
    if spec.ndim is not None:
        return f"ndim={spec.ndim}"
    if spec.min_ndim is not None:
        return f"min_ndim={spec.min_ndim}"
    return str(spec)


def check(layer, specs, shapes):
    """Raise a ValueError naming the layer, what it expects, what it got, and the fix."""
    if specs is None:
        return
    if not isinstance(specs, (list, tuple)):
        specs, shapes = [specs], [shapes]
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None or shape is None:
            continue
        shape = tuple(shape)
        where = f"Input {i} of layer \"{layer.name}\" ({type(layer).__name__})"
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected ndim={spec.ndim}, found "
                f"ndim={rank}. Full shape received: {shape}. {_rank_hint(layer, spec.ndim, rank)}"
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected min_ndim={spec.min_ndim}, found "
                f"ndim={rank}. Full shape received: {shape}. {_rank_hint(layer, spec.min_ndim, rank)}"
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected max_ndim={spec.max_ndim}, found "
                f"ndim={rank}. Full shape received: {shape}."
            )
        for axis, size in spec.axes.items():
            value = shape[axis] if -rank <= axis < rank else None
            if size is not None and value is not None and value != size:
                raise ValueError(
                    f"{where} is incompatible with the layer: expected axis {axis} of input shape to "
                    f"have value {size}, but received input with shape {shape}. The layer was built "
                    f"for inputs whose axis {axis} is {size}; feed it such inputs, or use a new layer "
                    "instance for inputs of another size."
                )
        if spec.shape is not None:
            for axis, (want, got) in enumerate(zip(spec.shape, shape)):
                if want is not None and got is not None and want != got:
                    raise ValueError(
                        f"{where} is incompatible with the layer: expected {_expected(spec)}, found "
                        f"shape={shape}. Reshape the input or change the layer's expected shape."
                    )


def _rank_hint(layer, want, got):
    if got == want - 1:
        return "Add an axis (e.g. a channels or time axis) with a Reshape layer or keras.ops.expand_dims."
    if got > want:
        return "Flatten or reshape the input first (e.g. layers.Flatten() or layers.Reshape)."
    return "Check the input shape you gave keras.Input (it excludes the batch axis)."
