"""Iterators, runtime loops, SPMD queries and scheduling scopes (nki-api.md §3.6–3.7)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from nki._meta import api

__all__ = [
    "range", "affine_range", "sequential_range", "static_range", "dynamic_range", "fori_loop", "while_loop",
    "program_id", "num_programs", "program_ndim", "no_reorder",
]  # fmt: skip


def _py_range(start: int, stop: int | None, step: int) -> builtins.range:
    return builtins.range(start) if stop is None else builtins.range(start, stop, step)


@api(stub=False)
def range(start: int, stop: int | None = None, step: int = 1) -> builtins.range:  # noqa: A001
    """Python `range`: a loop fully unrolled at specialization time."""
    return _py_range(start, stop, step)


@api(stub=False, deprecated="deprecated alias of range(); use range()")
def affine_range(start: int, stop: int | None = None, step: int = 1) -> builtins.range:
    """Deprecated alias of `range` (the loop is unrolled)."""
    return _py_range(start, stop, step)


@api(stub=False, deprecated="deprecated alias of range(); use range()")
def sequential_range(start: int, stop: int | None = None, step: int = 1) -> builtins.range:
    """Deprecated alias of `range` (the loop is unrolled)."""
    return _py_range(start, stop, step)


@api(stub=False, deprecated="deprecated alias of range(); use range()")
def static_range(start: int, stop: int | None = None, step: int = 1) -> builtins.range:
    """Deprecated alias of `range` (the loop is unrolled)."""
    return _py_range(start, stop, step)


@api(deprecated="`for i in nl.dynamic_range(...)` is deprecated since NKI 0.6; use nl.fori_loop")
def dynamic_range(start: Any, stop: Any = None, step: int = 1) -> Any:
    """Runtime hardware loop; the induction variable is a read-only register.

    start/stop may be registers; `step` must be a compile-time positive int; not inside `no_reorder`.
    """


@api(since="0.6.0")
def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any], None], step: int = 1) -> None:
    """Runtime counted loop calling `body_fun(i)` with `i` a read-only register; body returns nothing."""


@api(since="0.6.0")
def while_loop(init: Any, body_fun: Callable[[Any], Any]) -> None:
    """Runtime loop `r = init; while r != 0: r = body_fun(r)`; the body returns the next condition register."""


@api()
def program_id(axis: int = 0) -> int:
    """Index of this kernel instance along a launch-grid axis (the LNC core id, 0 or 1)."""


@api()
def num_programs(axes: int = 0) -> int:
    """Number of kernel instances along the given grid axes (1 without LNC)."""


@api()
def program_ndim() -> int:
    """Number of dimensions of the launch grid (0 without a grid)."""


@api()
def no_reorder() -> Any:
    """Context manager that keeps the instructions of its block in program order (dynamically scoped)."""
