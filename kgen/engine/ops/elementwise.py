"""Elementwise arithmetic with numpy broadcasting; each op's backward sits under its forward."""

from __future__ import annotations

import numpy as np

from kgen.engine.ops.base import Op, apply, unbroadcast


class Add(Op):
    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Subtract(Op):
    name = "subtract"

    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(-g, sb)


class Multiply(Op):
    name = "multiply"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return unbroadcast(g * b, np.shape(a)), unbroadcast(g * a, np.shape(b))


class Divide(Op):
    name = "divide"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return unbroadcast(g / b, np.shape(a)), unbroadcast(-g * a / (b * b), np.shape(b))


class Power(Op):
    name = "power"

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved
        ga = unbroadcast(g * b * np.power(a, b - 1), np.shape(a))
        with np.errstate(divide="ignore", invalid="ignore"):
            gb = np.where(a > 0, g * out * np.log(np.where(a > 0, a, 1)), 0)
        return ga, unbroadcast(gb.astype(out.dtype), np.shape(b))


class Maximum(Op):
    name = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        pick_a = a >= b
        return unbroadcast(g * pick_a, np.shape(a)), unbroadcast(g * ~pick_a, np.shape(b))


class Minimum(Op):
    name = "minimum"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        pick_a = a <= b
        return unbroadcast(g * pick_a, np.shape(a)), unbroadcast(g * ~pick_a, np.shape(b))


class Where(Op):
    name = "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.save(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved
        _, sa, sb = ctx.shapes
        return None, unbroadcast(np.where(cond, g, 0), sa), unbroadcast(np.where(cond, 0, g), sb)


class _Unary(Op):
    """Elementwise f(x) whose derivative is given by `grad(x, y)`."""

    fn = None

    @classmethod
    def forward(cls, ctx, x):
        y = cls.fn(x)
        ctx.save(x, y)
        return y

    @classmethod
    def backward(cls, ctx, g):
        x, y = ctx.saved
        return (g * cls.grad(x, y)).astype(y.dtype, copy=False)


def _unary(name, fn, grad):
    return type(name.capitalize(), (_Unary,), {"name": name, "fn": staticmethod(fn), "grad": staticmethod(grad)})


Negative = _unary("negative", np.negative, lambda x, y: -1)
Abs = _unary("abs", np.abs, lambda x, y: np.sign(x))
Exp = _unary("exp", np.exp, lambda x, y: y)
Log = _unary("log", np.log, lambda x, y: 1 / x)
Sqrt = _unary("sqrt", np.sqrt, lambda x, y: 0.5 / y)
Square = _unary("square", np.square, lambda x, y: 2 * x)
Sin = _unary("sin", np.sin, lambda x, y: np.cos(x))
Cos = _unary("cos", np.cos, lambda x, y: -np.sin(x))
Log1p = _unary("log1p", np.log1p, lambda x, y: 1 / (1 + x))
Reciprocal = _unary("reciprocal", np.reciprocal, lambda x, y: -y * y)


class _NoGrad(Op):
    """Ops whose output is piecewise constant: the gradient is zero (None)."""

    fn = None

    @classmethod
    def forward(cls, ctx, *xs):
        return cls.fn(*xs)

    @staticmethod
    def backward(ctx, g):
        return tuple(None for _ in ctx.shapes)


def _nograd(name, fn):
    return type(name.capitalize(), (_NoGrad,), {"name": name, "fn": staticmethod(fn)})


Sign = _nograd("sign", np.sign)
Floor = _nograd("floor", np.floor)
Ceil = _nograd("ceil", np.ceil)
Round = _nograd("round", np.round)
Equal = _nograd("equal", np.equal)
NotEqual = _nograd("not_equal", np.not_equal)
Less = _nograd("less", np.less)
LessEqual = _nograd("less_equal", np.less_equal)
Greater = _nograd("greater", np.greater)
GreaterEqual = _nograd("greater_equal", np.greater_equal)
LogicalAnd = _nograd("logical_and", np.logical_and)
LogicalOr = _nograd("logical_or", np.logical_or)
LogicalNot = _nograd("logical_not", np.logical_not)


class Clip(Op):
    name = "clip"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save(x, lo, hi)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved
        return g * ((x >= lo) & (x <= hi)), None, None


class Cast(Op):
    name = "cast"

    @staticmethod
    def forward(ctx, x, dtype):
        return np.asarray(x).astype(dtype)

    @staticmethod
    def backward(ctx, g):
        src = ctx.dtypes[0]
        if src is None or src.kind != "f":
            return None, None
        return g.astype(src), None


def add(a, b):
    return apply(Add, a, b)


def subtract(a, b):
    return apply(Subtract, a, b)


def multiply(a, b):
    return apply(Multiply, a, b)


def divide(a, b):
    return apply(Divide, a, b)


def power(a, b):
    return apply(Power, a, b)


def maximum(a, b):
    return apply(Maximum, a, b)


def minimum(a, b):
    return apply(Minimum, a, b)


def where(cond, a, b):
    return apply(Where, cond, a, b)


def negative(x):
    return apply(Negative, x)


def abs(x):  # noqa: A001 - mirrors keras.ops.abs
    return apply(Abs, x)


absolute = abs


def exp(x):
    return apply(Exp, x)


def log(x):
    return apply(Log, x)


def log1p(x):
    return apply(Log1p, x)


def sqrt(x):
    return apply(Sqrt, x)


def square(x):
    return apply(Square, x)


def sin(x):
    return apply(Sin, x)


def cos(x):
    return apply(Cos, x)


def reciprocal(x):
    return apply(Reciprocal, x)


def sign(x):
    return apply(Sign, x)


def floor(x):
    return apply(Floor, x)


def ceil(x):
    return apply(Ceil, x)


def round(x):  # noqa: A001
    return apply(Round, x)


def equal(a, b):
    return apply(Equal, a, b)


def not_equal(a, b):
    return apply(NotEqual, a, b)


def less(a, b):
    return apply(Less, a, b)


def less_equal(a, b):
    return apply(LessEqual, a, b)


def greater(a, b):
    return apply(Greater, a, b)


def greater_equal(a, b):
    return apply(GreaterEqual, a, b)


def logical_and(a, b):
    return apply(LogicalAnd, a, b)


def logical_or(a, b):
    return apply(LogicalOr, a, b)


def logical_not(x):
    return apply(LogicalNot, x)


def clip(x, min_value, max_value):
    return apply(Clip, x, min_value, max_value)


def cast(x, dtype):
    return apply(Cast, x, dtype=np.dtype(dtype) if not isinstance(dtype, np.dtype) else dtype)
