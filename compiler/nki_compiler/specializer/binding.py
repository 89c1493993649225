"""`inspect.Signature.bind`, memoised per call shape: the specializer binds every API call it unrolls.

A call's shape (callee, number of positional arguments, keyword names) decides how arguments map to
parameters, so the mapping is computed once by binding markers and replayed for later calls. Calls
that do not bind go through `inspect` every time, so they raise exactly its errors.
"""

from __future__ import annotations

import inspect
from typing import Any

_Plan = tuple[tuple[str, str, Any], ...]
_PLANS: dict[tuple[Any, bool, int, tuple[str, ...]], _Plan] = {}
_PLAN_LIMIT = 4096


class _Positional(int):
    """Marks positional argument `int(self)` while a plan is computed."""


class _Keyword(str):
    """Marks keyword argument `str(self)` while a plan is computed."""


def bind_arguments(
    obj: Any, signature: inspect.Signature, args: list[Any], kwargs: dict[str, Any], partial: bool = False
) -> dict[str, Any]:
    """`dict(signature.bind(*args, **kwargs).arguments)` (`bind_partial` when `partial`)."""
    return apply_plan(binding_plan(obj, signature, len(args), tuple(kwargs), partial), args, kwargs)


def binding_plan(
    obj: Any, signature: inspect.Signature, positional: int, keywords: tuple[str, ...], partial: bool = False
) -> _Plan:
    """How a call with `positional` arguments and `keywords` binds; raises `TypeError` like `bind`."""
    key = (obj, partial, positional, keywords)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(signature, positional, keywords, partial)
        if len(_PLANS) >= _PLAN_LIMIT:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def apply_plan(plan: _Plan, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, source, where in plan:
        if source == "positional":
            result[name] = args[where]
        elif source == "keyword":
            result[name] = kwargs[where]
        else:
            result[name] = _value(source, where, args, kwargs)
    return result


def _plan(signature: inspect.Signature, positional: int, keywords: tuple[str, ...], partial: bool) -> _Plan:
    bind = signature.bind_partial if partial else signature.bind
    markers = bind(*(_Positional(i) for i in range(positional)), **{k: _Keyword(k) for k in keywords})
    plan: list[tuple[str, str, Any]] = []
    for name, marker in markers.arguments.items():
        if isinstance(marker, _Positional):
            plan.append((name, "positional", int(marker)))
        elif isinstance(marker, _Keyword):
            plan.append((name, "keyword", str(marker)))
        elif isinstance(marker, tuple):  # *args
            plan.append((name, "positionals", tuple(int(m) for m in marker)))
        else:  # **kwargs
            plan.append((name, "keywords", tuple(str(k) for k in marker)))
    return tuple(plan)


def _value(source: str, where: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if source == "positional":
        return args[where]
    if source == "keyword":
        return kwargs[where]
    if source == "positionals":
        return tuple(args[i] for i in where)
    return {k: kwargs[k] for k in where}
