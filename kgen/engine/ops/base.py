"""What an op is: a forward on arrays and a backward from the output gradient.

`apply(Op, *args, **attrs)` is the one door every op goes through:
- plain numpy / Python values in -> numpy out (eager, nothing recorded);
- any engine Tensor in -> Tensor out, recorded for autodiff when a gradient is needed;
- any symbolic (graph) tensor in -> handed to the graph, which builds a node and infers
  the output shape (see `kgen.graph.op_layer`). The engine never imports the graph.
"""

from __future__ import annotations

import functools

import numpy as np

from kgen.engine.tensor import Tensor, _Record, as_array, grad_enabled

# Set by kgen.graph at import: handler(fn, args, kwargs, name) builds a graph node whose
# value is fn(*args, **kwargs) once the symbolic inputs have values.
symbolic_handler = None


class Context:
    """Scratch space an op's forward leaves for its backward."""

    __slots__ = ("saved", "attrs", "shapes", "dtypes", "needs_grad")

    def save(self, *values):
        self.saved = values


class Op:
    """One primitive: `forward(ctx, *arrays, **attrs)` and `backward(ctx, grad_out)`.

    `backward` returns one gradient (or None) per input, shaped like that input.
    """

    name = "op"

    @staticmethod
    def forward(ctx, *arrays, **attrs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(f"no gradient defined for this op")


def is_symbolic(value) -> bool:
    return getattr(type(value), "_kgen_symbolic", False)


def _any_symbolic(args) -> bool:
    for a in args:
        if is_symbolic(a):
            return True
        if isinstance(a, (list, tuple)) and _any_symbolic(a):
            return True
    return False


def apply(op, *args, **attrs):
    """Run `op` on args (numpy, Tensor or symbolic); see the module docstring."""
    if _any_symbolic(args):
        if symbolic_handler is None:  # pragma: no cover - graph always installs it
            raise RuntimeError("symbolic tensors need kgen.graph to be imported")
        return symbolic_handler(functools.partial(apply, op), args, attrs, op.name)
    arrays = []
    any_tensor = False
    needs_grad = False
    for a in args:
        if isinstance(a, Tensor):
            any_tensor = True
            needs_grad = needs_grad or a.requires_grad
            arrays.append(a.data)
        else:
            arrays.append(a)
    arrays = _promote_scalars(arrays)
    ctx = Context()
    ctx.attrs = attrs
    ctx.shapes = tuple(np.shape(a) for a in arrays)
    ctx.dtypes = tuple(getattr(a, "dtype", None) for a in arrays)
    out = op.forward(ctx, *arrays, **attrs)
    if not any_tensor:
        return out
    result = Tensor(out)
    if needs_grad and grad_enabled():
        result.requires_grad = True
        ctx.needs_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        result._record = _Record(op, ctx, args)
    return result


def composite(fn):
    """Mark a function built from ops: on symbolic input it becomes one graph node.

    (Its pieces may need concrete shapes, e.g. a batch size, so it is not traced op by op.)
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _any_symbolic(args) or _any_symbolic(tuple(kwargs.values())):
            return symbolic_handler(fn, args, kwargs, fn.__name__)
        return fn(*args, **kwargs)

    return wrapper


def _promote_scalars(arrays):
    """Python scalars and lists take the dtype of the float array they meet (Keras' rule)."""
    float_dtype = None
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            float_dtype = a.dtype
            break
    out = []
    for a in arrays:
        if isinstance(a, (bool, int, float)) and not isinstance(a, np.ndarray):
            if float_dtype is not None:
                a = np.asarray(a, dtype=float_dtype)
            else:
                a = as_array(a)
        elif isinstance(a, (list, tuple)) and not any(isinstance(e, np.ndarray) for e in a):
            a = as_array(a, float_dtype if float_dtype is not None else None)
        elif isinstance(a, np.generic):
            a = np.asarray(a)
        out.append(a)
    return out


def unbroadcast(grad: np.ndarray, shape) -> np.ndarray:
    """Sum `grad` back down to `shape` (the inverse of numpy broadcasting)."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def float_dtype_of(*arrays):
    for a in arrays:
        dt = getattr(a, "dtype", None)
        if dt is not None and dt.kind == "f":
            return dt
    return np.dtype("float32")
