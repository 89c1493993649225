"""The Python builtins and `math` functions NKI kernels may call (nki-language-rules.md §1.6)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nki_compiler.specializer.values import UNKNOWN, ClassValue, EnumMember, Instance, is_unknown

_PLAIN = (int, float, bool, str, type(None))


def _isinstance(value: Any, kinds: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    options = kinds if isinstance(kinds, tuple) else (kinds,)
    undecided = False
    for kind in options:
        if isinstance(kind, type):
            if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
                return True
        elif isinstance(kind, ClassValue):
            if isinstance(value, (Instance, EnumMember)) and value.cls is kind:
                return True
            # an instance of a class with user-defined bases may be an instance of `kind` through them
            undecided = undecided or (isinstance(value, Instance) and _has_user_bases(value.cls))
        else:
            undecided = True
    return UNKNOWN if undecided else False


def _has_user_bases(cls: ClassValue) -> bool:
    for base in cls.node.bases:
        name = cls.module.canonical(base) or ""
        if name != "object" and not name.endswith(".NKIObject") and not name.startswith("enum."):
            return True
    return False


def _print_str(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _checked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Unknown in, Unknown out; a Python error on known values is not ours to report -> Unknown."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if any(is_unknown(a) for a in args) or any(is_unknown(v) for v in kwargs.values()):
            return UNKNOWN
        try:
            return fn(*args, **kwargs)
        except (
            TypeError,
            ValueError,
            ZeroDivisionError,
            OverflowError,
            KeyError,
            IndexError,
            AttributeError,
        ):
            return UNKNOWN

    return call


def _safe_list(*args: Any) -> Any:
    if args and not isinstance(args[0], (list, tuple, str, dict)):
        return UNKNOWN
    return list(*args)


def _safe_tuple(*args: Any) -> Any:
    if args and not isinstance(args[0], (list, tuple, str, dict)):
        return UNKNOWN
    return tuple(*args)


def _safe_len(value: Any) -> Any:
    if isinstance(value, (list, tuple, str, dict, range)):
        return len(value)
    return UNKNOWN


BUILTINS: dict[str, Callable[..., Any]] = {
    "abs": _checked(abs), "bool": _checked(bool), "divmod": _checked(divmod), "float": _checked(float),
    "int": _checked(int), "len": _checked(_safe_len), "max": _checked(max), "min": _checked(min),
    "str": _checked(str), "list": _checked(_safe_list), "tuple": _checked(_safe_tuple),
    "dict": _checked(dict), "slice": _checked(slice), "range": _checked(range),
    "isinstance": _isinstance, "round": _checked(round), "sum": _checked(sum),
    "enumerate": _checked(lambda xs, start=0: list(enumerate(xs, start))),
    "zip": _checked(lambda *xs: list(zip(*xs, strict=False))), "reversed": _checked(lambda xs: list(reversed(xs))),
    "sorted": _checked(sorted), "any": _checked(any), "all": _checked(all),
}  # fmt: skip

BUILTIN_TYPES: dict[str, type] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "list": list,
    "tuple": tuple,
    "dict": dict,
}

MATH: dict[str, Any] = {
    "ceil": _checked(math.ceil), "floor": _checked(math.floor), "gcd": _checked(math.gcd),
    "log10": _checked(math.log10), "log2": _checked(math.log2), "pow": _checked(math.pow),
    "sqrt": _checked(math.sqrt), "log": _checked(math.log), "exp": _checked(math.exp),
    "prod": _checked(math.prod), "isclose": _checked(math.isclose),
    "pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
}  # fmt: skip

MATH_FUNCTIONS: dict[str, Callable[..., Any]] = {f"math.{k}": v for k, v in MATH.items() if callable(v)}


def math_members() -> dict[str, Any]:
    """`math.<name>` values as the interpreter sees them: constants, or `Builtin("math.<name>")`."""
    from nki_compiler.specializer.values import Builtin

    return {k: Builtin(f"math.{k}") if callable(v) else v for k, v in MATH.items()}


__all__ = ["BUILTINS", "BUILTIN_TYPES", "MATH", "_PLAIN", "_print_str"]
