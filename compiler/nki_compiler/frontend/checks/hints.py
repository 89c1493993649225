"""Non-blocking hints (NKI902 unrolling size, NKI905 experimental `nl` wrappers; `print(tensor)`,
NKI903, lives with the other call rules in `calls.py`)."""

from __future__ import annotations

import ast

from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.facts import call_name, is_builtin
from nki_compiler.frontend.checks.functions import header_span

UNROLL_THRESHOLD = 4096
_STATIC_RANGES = frozenset(
    {"nki.language.affine_range", "nki.language.sequential_range", "nki.language.static_range"}
)


def _trip_count(ctx: FunctionContext, loop: ast.AST) -> int | None:
    """Iterations of `for _ in range(<literals>)` (or a deprecated static alias), else None."""
    if not isinstance(loop, ast.For) or not isinstance(loop.iter, ast.Call) or loop.iter.keywords:
        return None
    call = loop.iter
    if not (
        is_builtin(ctx, call.func, "range", ctx.function.node)
        or call_name(ctx.module, call) in _STATIC_RANGES
    ):
        return None
    values = [a.value for a in call.args if isinstance(a, ast.Constant) and type(a.value) is int]
    if len(values) != len(call.args) or not 1 <= len(values) <= 3:
        return None
    try:
        return len(range(*values))
    except ValueError:
        return None


def _nest_size(ctx: FunctionContext, statements: list[ast.stmt]) -> int:
    """The largest product of literal trip counts along any loop nest in `statements`."""
    best = 1
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        inner = max((_nest_size(ctx, block) for block in _blocks(statement)), default=1)
        best = max(best, (_trip_count(ctx, statement) or 1) * inner)
    return best


def _blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [h.body for h in getattr(statement, "handlers", [])]
    return [b for b in blocks if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


@on(ast.For)
def unrolled_nest(ctx: FunctionContext, node: ast.AST) -> None:
    if _trip_count(ctx, node) is None:
        return
    if any(_trip_count(ctx, a) is not None for a in ctx.ancestors(node)):
        return  # measured at the outermost loop of the nest
    copies = _nest_size(ctx, [node])  # type: ignore[list-item]
    if copies > UNROLL_THRESHOLD:
        ctx.report("NKI902", header_span(ctx, node), n=copies)


@on(ast.Call)
def experimental_wrapper(ctx: FunctionContext, node: ast.AST) -> None:
    if "NKI905" not in ctx.options.opt_in:
        return
    assert isinstance(node, ast.Call)
    name = call_name(ctx.module, node)
    if name is None or not name.startswith("nki.language."):
        return
    from nki_compiler import api

    entry = api.lookup(name)
    if entry is not None and entry.experimental and entry.kind == "function":
        ctx.report("NKI905", node.func, api=name[len("nki.language.") :])
