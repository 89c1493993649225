"""Operator tables as data: ALU operators (nki-api.md §4.0.2) and activation functions (§4.0.3).

Arithmetic operators take and return fp32 arrays. Bitvec operators work on raw integer bits (int64 holding
the unsigned bit pattern of the operand's width) and are bit-exact. Everything here runs with NumPy's
floating-point errors ignored, which `execute` and a simulated run set once for all instructions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["AluOp", "ALU_OPS", "ACTIVATIONS", "alu_op", "activation_fn", "REDUCE_UFUNCS"]

F32 = np.float32
Array = np.ndarray


@dataclass(frozen=True)
class AluOp:
    name: str
    kind: str  # "arith" | "unary" | "bitvec" | "bitvec_unary"
    fn: Callable[..., Array]
    reducible: bool = False
    identity: float | None = None  # reset value of an accumulator reducing with this op
    min_generation: int = 2
    #: The NumPy ufunc computing `fn` exactly for fp32 operands, so results can go straight into fp32 `out=`.
    ufunc: np.ufunc | None = None

    @property
    def is_bitvec(self) -> bool:
        return self.kind.startswith("bitvec")

    @property
    def is_unary(self) -> bool:
        return self.kind in ("unary", "bitvec_unary")


def _f(x: Array) -> Array:
    return np.asarray(x, dtype=F32)


def _bool(x: Array) -> Array:
    return np.asarray(x, dtype=F32) != 0


def _cmp(fn: Callable[[Array, Array], Array]) -> Callable[[Array, Array], Array]:
    return lambda a, b: fn(_f(a), _f(b)).astype(F32)


def _abs_pick(larger: bool) -> Callable[[Array, Array], Array]:
    def pick(a: Array, b: Array) -> Array:
        a, b = _f(a), _f(b)
        choose_a = np.abs(a) > np.abs(b) if larger else np.abs(a) < np.abs(b)
        return np.where(choose_a, a, b)  # ties return b

    return pick


def _fp32_result(fn: Callable[..., Array]) -> Callable[..., Array]:
    def run(*args: Array) -> Array:
        return np.asarray(fn(*args), dtype=F32)

    return run


def _shift_right(a: Array, b: Array) -> Array:
    return np.right_shift(a, np.clip(b, 0, 63))


def _shift_left(a: Array, b: Array) -> Array:
    return np.left_shift(a, np.clip(b, 0, 63))


_OPS = [
    AluOp("invert", "bitvec_unary", np.invert),
    AluOp("bitwise_and", "bitvec", np.bitwise_and, True, -1),
    AluOp("bitwise_or", "bitvec", np.bitwise_or, True, 0),
    AluOp("bitwise_xor", "bitvec", np.bitwise_xor, True, 0),
    AluOp("left_shift", "bitvec", _shift_left),
    AluOp("right_shift", "bitvec", _shift_right),
    AluOp("add", "arith", _fp32_result(np.add), True, 0.0, ufunc=np.add),
    AluOp("subtract", "arith", _fp32_result(np.subtract), True, 0.0, ufunc=np.subtract),
    AluOp("multiply", "arith", _fp32_result(np.multiply), True, 1.0, ufunc=np.multiply),
    AluOp("maximum", "arith", _fp32_result(np.maximum), True, -np.inf, ufunc=np.maximum),
    AluOp("minimum", "arith", _fp32_result(np.minimum), True, np.inf, ufunc=np.minimum),
    AluOp("equal", "arith", _cmp(np.equal)),
    AluOp("not_equal", "arith", _cmp(np.not_equal)),
    AluOp("greater_equal", "arith", _cmp(np.greater_equal)),
    AluOp("greater", "arith", _cmp(np.greater)),
    AluOp("less_equal", "arith", _cmp(np.less_equal)),
    AluOp("less", "arith", _cmp(np.less)),
    AluOp("logical_and", "arith", lambda a, b: (_bool(a) & _bool(b)).astype(F32), True, 1.0),
    AluOp("logical_or", "arith", lambda a, b: (_bool(a) | _bool(b)).astype(F32), True, 0.0),
    AluOp("logical_xor", "arith", lambda a, b: (_bool(a) ^ _bool(b)).astype(F32), True, 0.0),
    AluOp("power", "arith", _fp32_result(np.power), ufunc=np.power),
    AluOp("divide", "arith", _fp32_result(np.divide), ufunc=np.divide),
    AluOp("abs_max", "arith", _abs_pick(True), min_generation=4),
    AluOp("abs_min", "arith", _abs_pick(False), min_generation=4),
    AluOp("abs", "unary", _fp32_result(np.abs)),
    AluOp("square", "unary", _fp32_result(np.square)),
    AluOp("relu", "unary", _fp32_result(lambda x: np.maximum(x, F32(0)))),
    AluOp("rsqrt", "unary", _fp32_result(lambda x: F32(1) / np.sqrt(x))),
    AluOp("reciprocal", "unary", _fp32_result(lambda x: F32(1) / x)),
]
ALU_OPS: dict[str, AluOp] = {op.name: op for op in _OPS}
_ALU_ALIASES = {"max": "maximum", "min": "minimum"}

#: NumPy reductions for the reducible ops (bitvec ones reduce raw integer bits).
REDUCE_UFUNCS: dict[str, np.ufunc] = {
    "add": np.add, "subtract": np.add, "multiply": np.multiply, "maximum": np.maximum, "minimum": np.minimum,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
}  # fmt: skip


def alu_op(name: str | None) -> AluOp | None:
    if name is None:
        return None
    return ALU_OPS.get(_ALU_ALIASES.get(name, name))


# --- activation functions ---------------------------------------------------------------------------------
_SQRT_2 = math.sqrt(2.0)
_erf64 = np.frompyfunc(math.erf, 1, 1)


def _erf(x: Array) -> Array:
    return np.asarray(_erf64(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def _gelu(x: Array) -> Array:
    return 0.5 * x * (1.0 + _erf(x / _SQRT_2))


def _gelu_dx(x: Array) -> Array:
    return 0.5 * (1.0 + _erf(x / _SQRT_2)) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _gelu_tanh(x: Array) -> Array:
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _gelu_sigmoid_dx(x: Array) -> Array:
    s = _sigmoid(1.702 * x)
    return s + 1.702 * x * s * (1.0 - s)


def _softplus(x: Array) -> Array:
    return np.logaddexp(0.0, x)


def _sin_without_range_reduction(x: Array) -> Array:
    """Hardware evaluates sin by a polynomial valid on [-pi, pi]; beyond, it extrapolates the cubic
    expansion around +-pi (sin(9.0) ~ 27.65, nki-api.md §2.2 item 9)."""
    d = x - np.sign(x) * math.pi
    return np.where(np.abs(x) <= math.pi, np.sin(x), -d + d**3 / 6.0)


def _silu_dx(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


_ACT: dict[str, Callable[..., Array]] = {
    "copy": lambda x: x,
    "identity": lambda x: x,
    "bypass": lambda x: x,
    "square": np.square,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "prelu": lambda x, alpha=0.0: np.where(x >= 0, x, alpha * x),
    "gelu": _gelu,
    "gelu_dx": _gelu_dx,
    "gelu_apprx_tanh": _gelu_tanh,
    "gelu_apprx_sigmoid": lambda x: x * _sigmoid(1.702 * x),
    "gelu_apprx_sigmoid_dx": _gelu_sigmoid_dx,
    "silu": lambda x: x * _sigmoid(x),
    "silu_dx": _silu_dx,
    "tanh": np.tanh,
    "softplus": _softplus,
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "erf": _erf,
    "erf_dx": lambda x: 2.0 / math.sqrt(math.pi) * np.exp(-x * x),
    "exp": np.exp,
    "sign": np.sign,
    "abs": np.abs,
    "log": np.log,
    "sin": _sin_without_range_reduction,
    "cos": np.cos,
    "arctan": np.arctan,
    "sqrt": np.sqrt,
    "rsqrt": lambda x: 1.0 / np.sqrt(x),
    "reciprocal": lambda x: 1.0 / x,
    "negative": np.negative,
}


#: Activation functions: fp32 in, fp32 out (computed exactly in float64, then rounded to fp32).
def _exact(fn: Callable[..., Array]) -> Callable[..., Array]:
    return lambda x, *extra: _run_activation(fn, x, *extra)


#: Functions whose fp32 evaluation is already the correctly rounded result (one IEEE operation, exact, or
#: sqrt, where float64-then-fp32 double rounding is innocuous), so they skip the float64 round trip.
_FP32_EXACT = ("copy", "identity", "bypass", "square", "relu", "abs", "negative", "sign", "sqrt")


def _in_fp32(fn: Callable[..., Array]) -> Callable[..., Array]:
    def run(x: Array) -> Array:
        return np.asarray(fn(np.asarray(x, dtype=F32)), dtype=F32)

    return run


ACTIVATIONS: dict[str, Callable[..., Array]] = {
    name: _in_fp32(fn) if name in _FP32_EXACT else _exact(fn) for name, fn in _ACT.items()
}


def _run_activation(fn: Callable[..., Array], x: Array, *extra: Array) -> Array:
    return np.asarray(fn(np.asarray(x, dtype=np.float64), *extra), dtype=F32)


def activation_fn(name: str | None) -> Callable[..., Array] | None:
    return ACTIVATIONS.get(name or "")
