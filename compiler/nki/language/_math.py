"""Element-wise math, reductions and operator constants of `nki.language` (nki-api.md §3.4, 3.5, 3.7).

The element-wise functions double as ALU/activation operator values (`op=nl.add`, `op=nl.exp`).
They all share one of two signatures, so they are built by `_binary`/`_unary`.
"""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nki._meta import V4, api

Tensor = Any


def _binary(name: str, summary: str, **meta: Any) -> Callable[..., Tensor]:
    def fn(x: Tensor, y: Tensor, dtype: Any = None) -> Tensor: ...

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary
    return api(experimental=True, **meta)(fn)


def _unary(name: str, summary: str, **meta: Any) -> Callable[..., Tensor]:
    def fn(x: Tensor, dtype: Any = None) -> Tensor: ...

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary
    return api(experimental=True, **meta)(fn)


# --- binary element-wise (tile-tile or tile-scalar) -------------------------------------------------------
add = _binary("add", "Element-wise `x + y`.")
subtract = _binary("subtract", "Element-wise `x - y`.")
multiply = _binary("multiply", "Element-wise `x * y`.")
divide = _binary("divide", "Element-wise `x / y` (not supported on hardware: use multiply by reciprocal).")
maximum = _binary("maximum", "Element-wise maximum of `x` and `y`.")
minimum = _binary("minimum", "Element-wise minimum of `x` and `y`.")
power = _binary("power", "Element-wise `x ** y` (runs on GpSimd; scalar exponent unsupported on hardware).")
abs_max = _binary(
    "abs_max", "Element-wise input with the larger magnitude (ties return y).", since="0.4.0", targets=V4
)
abs_min = _binary(
    "abs_min", "Element-wise input with the smaller magnitude (ties return y).", since="0.4.0", targets=V4
)
fmod = _binary("fmod", "Element-wise C-style remainder (simulation only).")
mod = _binary("mod", "Element-wise Python-style modulo (simulation only).")
equal = _binary("equal", "Element-wise `x == y` as 1/0.")
not_equal = _binary("not_equal", "Element-wise `x != y` as 1/0.")
less = _binary("less", "Element-wise `x < y` as 1/0.")
less_equal = _binary("less_equal", "Element-wise `x <= y` as 1/0.")
greater = _binary("greater", "Element-wise `x > y` as 1/0.")
greater_equal = _binary("greater_equal", "Element-wise `x >= y` as 1/0.")
bitwise_and = _binary("bitwise_and", "Element-wise bitwise AND of integer tiles.")
bitwise_or = _binary("bitwise_or", "Element-wise bitwise OR of integer tiles.")
bitwise_xor = _binary("bitwise_xor", "Element-wise bitwise XOR of integer tiles.")
left_shift = _binary("left_shift", "Element-wise shift left of integer tiles.")
right_shift = _binary("right_shift", "Element-wise logical shift right of integer tiles.")
logical_and = _binary("logical_and", "Element-wise logical AND of 0/1 inputs.")
logical_or = _binary("logical_or", "Element-wise logical OR of 0/1 inputs.")
logical_xor = _binary("logical_xor", "Element-wise logical XOR of 0/1 inputs.")

# --- unary element-wise and activation functions ----------------------------------------------------------
abs = _unary("abs", "Element-wise absolute value.")  # noqa: A001
square = _unary("square", "Element-wise square.")
negative = _unary("negative", "Element-wise negation.")
sign = _unary("sign", "Element-wise sign (-1, 0 or 1).")
exp = _unary("exp", "Element-wise natural exponential.")
log = _unary("log", "Element-wise natural logarithm (activation range [2^-64, 2^64]).")
sqrt = _unary("sqrt", "Element-wise square root.")
rsqrt = _unary("rsqrt", "Element-wise reciprocal square root (runs on GpSimd since 0.5; no PSUM input).")
reciprocal = _unary("reciprocal", "Element-wise reciprocal `1 / x`.")
sin = _unary("sin", "Element-wise sine (with range reduction).")
cos = _unary("cos", "Element-wise cosine.")
tan = _unary("tan", "Element-wise tangent.")
arctan = _unary("arctan", "Element-wise arc tangent.")
ceil = _unary("ceil", "Element-wise ceiling.")
floor = _unary("floor", "Element-wise floor.")
trunc = _unary("trunc", "Element-wise truncation toward zero.")
invert = _unary("invert", "Element-wise bitwise NOT (XOR with all ones) of an integer tile.")
logical_not = _unary("logical_not", "Element-wise logical NOT of a 0/1 tile.")
tanh = _unary("tanh", "Element-wise hyperbolic tangent.")
sigmoid = _unary("sigmoid", "Element-wise logistic sigmoid.")
relu = _unary("relu", "Element-wise rectified linear unit `max(x, 0)`.")
gelu = _unary("gelu", "Element-wise GELU activation.")
gelu_apprx_sigmoid = _unary("gelu_apprx_sigmoid", "Element-wise GELU, sigmoid approximation.")
gelu_apprx_tanh = _unary("gelu_apprx_tanh", "Element-wise GELU, tanh approximation.")
gelu_dx = _unary("gelu_dx", "Element-wise derivative of GELU.")
gelu_apprx_sigmoid_dx = _unary(
    "gelu_apprx_sigmoid_dx", "Element-wise derivative of the sigmoid-approximated GELU."
)
silu = _unary("silu", "Element-wise SiLU (`x * sigmoid(x)`).")
silu_dx = _unary("silu_dx", "Element-wise derivative of SiLU.")
softplus = _unary("softplus", "Element-wise softplus `log(1 + exp(x))`.")
mish = _unary("mish", "Element-wise Mish activation.")
erf = _unary("erf", "Element-wise error function.")
erf_dx = _unary("erf_dx", "Element-wise derivative of the error function.")


# --- reductions and composite ops -------------------------------------------------------------------------
def _reduction(name: str, summary: str) -> Callable[..., Tensor]:
    def fn(x: Tensor, axis: Any, dtype: Any = None, keepdims: bool = False) -> Tensor: ...

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary + "\n\n`axis` must be trailing free dims (a suffix ending at the last dim), never 0."
    return api(experimental=True)(fn)


sum = _reduction("sum", "Sum along free axes.")  # noqa: A001
max = _reduction("max", "Maximum along free axes (also the `maximum` reduction operator).")  # noqa: A001
min = _reduction("min", "Minimum along free axes (also the `minimum` reduction operator).")  # noqa: A001
mean = _reduction("mean", "Mean along free axes (fp32 intermediates).")
prod = _reduction("prod", "Product along free axes.")
var = _reduction("var", "Population variance along free axes (result always keeps dims).")


@api(experimental=True)
def all(x: Tensor, axis: Any, dtype: Any = None) -> Tensor:  # noqa: A001
    """Logical-AND reduction along free axes."""


@api(experimental=True)
def softmax(x: Tensor, axis: Any = -1, dtype: Any = None) -> Tensor:
    """Softmax along free axes."""


@api(experimental=True)
def rms_norm(
    x: Tensor,
    w: Tensor,
    axis: Any,
    n: int,
    epsilon: float = 1e-06,
    dtype: Any = None,
    compute_dtype: Any = None,
) -> Tensor:
    """RMS normalization `x / RMS(x) * w`, RMS over `axis` with `n` values."""


@api(experimental=True)
def where(condition: Tensor, x: Tensor, y: Tensor, dtype: Any = None) -> Tensor:
    """Select `x` where `condition` is 1.0, else `y`."""


@api(experimental=True)
def dropout(x: Tensor, rate: Any, dtype: Any = None) -> Tensor:
    """Zero elements with probability `rate` (scalar or `(P, 1)` tile)."""


# --- operator constants -----------------------------------------------------------------------------------
class Operator:
    """An operator value that is not a callable `nl` function (`nl.prelu`, `nl.bypass`, `nl.average`)."""

    def __init__(self, name: str, summary: str) -> None:
        self.name = name
        self.__doc__ = summary

    def __repr__(self) -> str:
        return f"nl.{self.name}"


prelu = Operator("prelu", "Parametric ReLU activation for `nisa.activate2` (slope given by `relu_param`).")
bypass = Operator("bypass", "No-op stage for `nisa.activate2` `op0`/`op1`.")
average = Operator("average", "Average reduction operator, for `nisa.tensor_partition_reduce`.")

#: Public names: every `@api` function of this module and the operator constants.
__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_") and (hasattr(value, "__nki_qualname__") or isinstance(value, Operator))
)
