"""Shape inference by running: call a function on small sample arrays, read the shapes.

A Lambda without `output_shape`, an op applied to a symbolic tensor, or a custom layer
without `compute_output_shape` gets its output shape this way. Unknown dimensions
(the batch) are tried at two sizes; an output dimension that follows them is unknown too.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.tensor import Tensor, no_grad
from kgen.graph.keras_tensor import KerasTensor
from kgen.graph.structure import flatten, map_structure

_SIZES = (2, 3)


def _sample(tensor: KerasTensor, size: int):
    shape = tuple(size if d is None else d for d in tensor.shape)
    if tensor.dtype.kind == "f":
        rng = np.random.default_rng(0)
        return Tensor(rng.uniform(0.1, 0.9, size=shape).astype(tensor.dtype))
    return Tensor(np.zeros(shape, dtype=tensor.dtype))


def trace(fn, args, kwargs, owner=None):
    """Symbolic outputs of fn(*args, **kwargs) where args hold KerasTensors."""
    symbolic = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
    unknown = any(d is None for t in symbolic for d in t.shape)
    runs = []
    for size in _SIZES if unknown else _SIZES[:1]:
        concrete = map_structure(lambda t: _sample(t, size) if isinstance(t, KerasTensor) else t, (list(args), dict(kwargs)))
        try:
            with no_grad():
                out = fn(*concrete[0], **concrete[1])
        except Exception as error:
            where = f"layer '{owner.name}' ({type(owner).__name__})" if owner is not None else "this operation"
            shapes = [t.shape for t in symbolic]
            raise type(error)(
                f"Could not infer the output shape of {where}: running it on sample inputs of "
                f"shape {shapes[0] if len(shapes) == 1 else shapes} raised {type(error).__name__}: "
                f"{error}. Fix call(), or give the output shape explicitly (compute_output_shape, "
                "or output_shape= for a Lambda)."
            ) from error
        runs.append(out)

    def to_symbolic(*values):
        shapes = [np.shape(v) for v in values]
        first = shapes[0]
        shape = tuple(d if all(s[i] == d for s in shapes) else None for i, d in enumerate(first))
        dtype = getattr(values[0], "dtype", np.asarray(values[0]).dtype)
        return KerasTensor(shape, dtype=dtype)

    if len(runs) == 1:
        return map_structure(to_symbolic, runs[0])
    flat_b = iter(flatten(runs[1]))
    return map_structure(lambda a: to_symbolic(a, next(flat_b)), runs[0])
