"""Tensor and Variable: numpy arrays that remember how they were made.

A `Tensor` wraps a numpy array. Every op applied to a Tensor that requires a
gradient records its inputs and its backward rule, so `gradients(loss, sources)`
can walk the record backwards (reverse-mode autodiff, like micrograd's `Value`).
A `Variable` is a named, trainable Tensor owned by a layer.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

_state = threading.local()


def grad_enabled() -> bool:
    return getattr(_state, "grad_enabled", True)


@contextlib.contextmanager
def no_grad():
    """Run ops without recording them (inference: no tape, less work)."""
    previous = grad_enabled()
    _state.grad_enabled = False
    try:
        yield
    finally:
        _state.grad_enabled = previous


@contextlib.contextmanager
def enable_grad():
    previous = grad_enabled()
    _state.grad_enabled = True
    try:
        yield
    finally:
        _state.grad_enabled = previous


def as_array(value, dtype=None) -> np.ndarray:
    """The numpy array behind a Tensor, array, list or scalar (floats default to float32)."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        return value if dtype is None else value.astype(dtype, copy=False)
    if isinstance(value, np.generic):  # np.float64 is a Python float: keep its dtype
        return np.asarray(value, dtype=dtype)
    if dtype is None and isinstance(value, (float, list, tuple)):
        arr = np.asarray(value)
        return arr.astype(np.float32) if arr.dtype == np.float64 else arr
    return np.asarray(value, dtype=dtype)


class _Record:
    """How a Tensor was made: the op's backward rule, its saved context, its inputs."""

    __slots__ = ("op", "ctx", "parents")

    def __init__(self, op, ctx, parents):
        self.op = op
        self.ctx = ctx
        self.parents = parents


class OpsMixin:
    """Python operators as engine ops. Shared by Tensor and the graph's symbolic tensor."""

    __slots__ = ()
    __array_priority__ = 1000  # numpy defers `ndarray + Tensor` to us

    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().abs(self)

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    # `==` keeps Python identity semantics so tensors stay usable as dict keys;
    # use ops.equal for elementwise comparison (as in Keras 3).
    __hash__ = object.__hash__

    @property
    def T(self):
        return _ops().transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape)

    def sum(self, axis=None, keepdims=False):
        return _ops().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops().mean(self, axis=axis, keepdims=keepdims)


def _ops():
    from kgen.engine import ops

    return ops


class Tensor(OpsMixin):
    """A numpy array plus, when it needs a gradient, the record of how it was made."""

    __slots__ = ("data", "requires_grad", "grad", "_record", "_keras_mask", "__weakref__")

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = as_array(data, dtype)
        self.requires_grad = requires_grad
        self.grad = None
        self._record = None
        self._keras_mask = None

    # numpy-like surface -------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ")
        return f"<Tensor shape={self.shape} dtype={self.dtype}\n{body}>"

    def detach(self) -> "Tensor":
        return Tensor(self.data)

    def backward(self, grad=None):
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires a gradient."""
        leaves = [t for t in _topological(self) if t._record is None and t.requires_grad]
        for leaf, g in zip(leaves, gradients(self, leaves, grad)):
            leaf.grad = g if leaf.grad is None else leaf.grad + g


class Variable(Tensor):
    """A layer's weight: a named Tensor whose value is replaced, never re-created."""

    __slots__ = ("name", "path", "_trainable", "regularizer", "constraint")

    def __init__(self, value, name: str = "variable", trainable: bool = True, dtype="float32", path=None):
        super().__init__(np.array(value, dtype=dtype), requires_grad=trainable)
        self.name = name
        self.path = path or name
        self._trainable = trainable
        self.regularizer = None
        self.constraint = None

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        self.requires_grad = bool(value)

    def assign(self, value):
        value = as_array(value)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.data.shape}; received a value of shape "
                f"{value.shape}. Assign an array of shape {self.data.shape}."
            )
        self.data = value.astype(self.data.dtype, copy=True)

    def assign_add(self, value):
        self.assign(self.data + as_array(value))

    def assign_sub(self, value):
        self.assign(self.data - as_array(value))

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype} trainable={self.trainable}>"


def _topological(root: Tensor):
    """Tensors reachable from `root` through op records, inputs before outputs."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node._record is not None:
            for parent in node._record.parents:
                if isinstance(parent, Tensor) and id(parent) not in seen:
                    stack.append((parent, False))
    return order


def gradients(target: Tensor, sources, grad=None):
    """d(target)/d(source) for each source (zeros where a source does not reach the target).

    `grad` seeds the output gradient (ones by default). Gradients of a tensor used
    several times are summed, as reverse-mode requires.
    """
    seed = np.ones_like(target.data) if grad is None else as_array(grad, target.data.dtype)
    grads = {id(target): seed}
    wanted = {id(s) for s in sources}
    for node in reversed(_topological(target)):
        g = grads.get(id(node))
        if g is None or node._record is None:
            continue
        if id(node) not in wanted:
            del grads[id(node)]
        record = node._record
        parent_grads = record.op.backward(record.ctx, g)
        if not isinstance(parent_grads, tuple):
            parent_grads = (parent_grads,)
        for parent, pg in zip(record.parents, parent_grads):
            if pg is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                continue
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
    out = []
    for s in sources:
        g = grads.get(id(s))
        out.append(np.zeros_like(s.data) if g is None else g.astype(s.data.dtype, copy=False))
    return out
