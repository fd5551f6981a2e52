"""Walking nested lists/tuples/dicts of tensors (Keras' `tree` utilities, the part we need)."""

from __future__ import annotations

import numpy as np


def flatten(structure):
    out = []
    _flatten(structure, out)
    return out


def _flatten(s, out):
    if isinstance(s, (list, tuple)):
        for e in s:
            _flatten(e, out)
    elif isinstance(s, dict):
        for k in s:
            _flatten(s[k], out)
    else:
        out.append(s)


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, e) for e in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, e) for e in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_shape(value) -> bool:
    """True for one shape: a tuple/list of ints and None (not a list of shapes)."""
    return isinstance(value, (tuple, list)) and all(
        d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool)) for d in value
    )


def map_shapes(fn, shapes):
    """Apply fn to each shape in a nested structure of shapes."""
    if is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    return type(shapes)(map_shapes(fn, s) for s in shapes)
