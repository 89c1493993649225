"""Rewriting Beta-1 index grids (`nl.arange`, `nl.mgrid`) and `mask=` into 0.6 slices (NKI539, NKI540).

An index variable is `v = nl.arange(n)[:, None]` (axis 0 of a 2-D grid), `v = nl.arange(n)` or one name
of `a, b = nl.mgrid[0:p, 0:f]`, assigned once. A subscript element that is affine in one index variable
with unit step — `v`, `c + v`, `v + c` — becomes the slice `c + start:c + stop`; `mask=(c + v < bound)`
clamps the matching elements of the same call to `c + start:min(c + stop, bound)`. Anything else (scaled
variables, two variables in one element, variables used outside subscripts, transposing grids) has no
automatic rewrite.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.fixes import delete_statement
from nki_compiler.frontend.checks.migration_common import (
    alone_on_lines,
    called,
    canonical,
    parent_of,
    remove_argument,
)
from nki_compiler.frontend.walk import walk, walk_cached

SIMPLE = (ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Call)
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


@dataclass(frozen=True)
class IndexVar:
    name: str
    start: ast.expr | None  # None: 0
    stop: ast.expr
    axis: int | None  # None: a 1-D `nl.arange(n)` without a broadcast pattern
    statement: ast.Assign


def index_vars(ctx: FunctionContext) -> dict[str, IndexVar]:
    cached = getattr(ctx, "_nki5_index_vars", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    stores: dict[str, int] = {}
    found: dict[str, IndexVar] = {}
    for node in walk_cached(ctx.function.node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            for var in _defined(ctx, node):
                found[var.name] = var
    result = {n: v for n, v in found.items() if stores.get(n) == 1}
    ctx._nki5_index_vars = result  # type: ignore[attr-defined]
    return result


def _defined(ctx: FunctionContext, node: ast.Assign) -> list[IndexVar]:
    target, value = node.targets[0], node.value
    if isinstance(target, ast.Name):
        pattern = None
        if isinstance(value, ast.Subscript) and called(ctx, value.value) == "nki.language.arange":
            pattern, value = value.slice, value.value
        if called(ctx, value) != "nki.language.arange":
            return []
        assert isinstance(value, ast.Call)
        if value.keywords or not 1 <= len(value.args) <= 2:
            return []
        start, stop = (None, value.args[0]) if len(value.args) == 1 else (value.args[0], value.args[1])
        axis = _broadcast_axis(pattern) if pattern is not None else None
        if pattern is not None and axis is None:
            return []
        return [IndexVar(target.id, start, stop, axis, node)]
    if (
        isinstance(target, ast.Tuple)
        and isinstance(value, ast.Subscript)
        and canonical(ctx, value.value) == "nki.language.mgrid"
    ):
        slices = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
        if len(slices) != len(target.elts) or not all(isinstance(t, ast.Name) for t in target.elts):
            return []
        result = []
        for axis, (name, part) in enumerate(zip(target.elts, slices, strict=True)):
            if not isinstance(part, ast.Slice) or part.upper is None or part.step is not None:
                return []
            result.append(IndexVar(name.id, part.lower, part.upper, axis, node))  # type: ignore[attr-defined]
        return result
    return []


def _broadcast_axis(pattern: ast.expr) -> int | None:
    parts = pattern.elts if isinstance(pattern, ast.Tuple) else [pattern]
    slices = [i for i, p in enumerate(parts) if isinstance(p, ast.Slice)]
    others_none = all(
        isinstance(p, ast.Constant) and p.value is None for p in parts if not isinstance(p, ast.Slice)
    )
    return slices[0] if len(slices) == 1 and others_none else None


def _affine(node: ast.AST, variables: dict[str, IndexVar]) -> tuple[str, ast.expr | None] | None:
    """`v` → (v, None); `c + v` / `v + c` → (v, c) when `c` mentions no index variable."""
    if isinstance(node, ast.Name) and node.id in variables:
        return node.id, None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for var, offset in ((node.left, node.right), (node.right, node.left)):
            if isinstance(var, ast.Name) and var.id in variables and not _mentions(offset, variables):
                return var.id, offset
    return None


def _mentions(node: ast.AST, variables: dict[str, IndexVar]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in variables for n in walk(node))


def _text(ctx: FunctionContext, node: ast.expr) -> str:
    """Source text, parenthesized unless it binds at least as tightly as `+` (safe in `a + x` and slices)."""
    text = ctx.text(node)
    tight = isinstance(node, SIMPLE) or isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not)
    tight = tight or isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC)
    return text if tight else f"({text})"


def slice_text(
    ctx: FunctionContext, var: IndexVar, offset: ast.expr | None, bound: ast.expr | None = None
) -> str:
    start = _text(ctx, var.start) if var.start is not None else "0"
    stop = _text(ctx, var.stop)
    if offset is not None:
        base = _text(ctx, offset)
        start = base if start == "0" else f"{base} + {start}"
        stop = f"{base} + {stop}"
    if bound is not None:
        stop = f"min({stop}, {ctx.text(bound)})"
    return f"{start}:{stop}"


def _element(
    ctx: FunctionContext, use: ast.Name, variables: dict[str, IndexVar]
) -> tuple[ast.expr, ast.Subscript] | None:
    """The subscript element an index-variable use belongs to, if it is affine and directly indexes."""
    element: ast.AST = use
    parent = parent_of(ctx, use)
    if isinstance(parent, ast.BinOp) and _affine(parent, variables) is not None:
        element = parent
    affine = _affine(element, variables)
    if affine is None or affine[0] != use.id:
        return None
    container = parent_of(ctx, element)
    if isinstance(container, ast.Tuple) and isinstance(parent_of(ctx, container), ast.Subscript):
        subscript = parent_of(ctx, container)
        if subscript.slice is container:  # type: ignore[union-attr]
            return element, subscript  # type: ignore[return-value]
    if isinstance(container, ast.Subscript) and container.slice is element:
        return element, container  # type: ignore[return-value]
    return None


def _ordered(subscript: ast.Subscript, variables: dict[str, IndexVar]) -> bool:
    """Grid axes must appear in increasing order: a transposing grid has no slice equivalent."""
    parts = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
    axes = [variables[a[0]].axis for a in (_affine(p, variables) for p in parts) if a is not None]
    if None in axes:
        return len(axes) == 1
    return all(a < b for a, b in zip(axes, axes[1:], strict=False))  # type: ignore[operator]


def _loads(ctx: FunctionContext, root: ast.AST, names: set[str]) -> list[ast.Name]:
    return [
        n
        for n in walk_cached(root)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names
    ]


def grid_fix(ctx: FunctionContext, node: ast.expr) -> tuple[Fix, ...]:
    variables = index_vars(ctx)
    statement = next((a for a in ctx.ancestors(node) if isinstance(a, ast.stmt)), None)
    mine = {v.name: v for v in variables.values() if v.statement is statement}
    if not mine or statement is None or not alone_on_lines(ctx, statement):
        return ()
    edits: list[Edit] = []
    exact = True
    for use in _loads(ctx, ctx.function.node, set(mine)):
        found = _element(ctx, use, variables)
        if found is None or not _ordered(found[1], variables):
            return ()
        element, _ = found
        _, offset = _affine(element, variables)  # type: ignore[misc]
        exact = exact and offset is None
        edits.append(Edit(ctx.span(element), slice_text(ctx, mine[use.id], offset)))
    edits.append(delete_statement(ctx, statement))
    names = ", ".join(sorted(mine))
    if exact:
        return (Fix(f"Replace the index grid `{names}` by slices", tuple(edits)),)
    title = f"Replace the index grid `{names}` by slices (check: the offsets added to the grid)"
    return (Fix(title, tuple(edits), Applicability.UNSAFE),)


def _conjuncts(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
        return _conjuncts(node.left) + _conjuncts(node.right)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [c for v in node.values for c in _conjuncts(v)]
    return [node]


def _bounds(mask: ast.expr, variables: dict[str, IndexVar]) -> dict[str, tuple[str | None, ast.expr]] | None:
    """`c + v < n` conjuncts → {v: (text of c, n)}; None when some conjunct has another form."""
    bounds: dict[str, tuple[str | None, ast.expr]] = {}
    for part in _conjuncts(mask):
        if not isinstance(part, ast.Compare) or len(part.ops) != 1:
            return None
        left, right = part.left, part.comparators[0]
        if isinstance(part.ops[0], ast.Gt):
            left, right = right, left
        elif not isinstance(part.ops[0], ast.Lt):
            return None
        affine = _affine(left, variables)
        if affine is None or _mentions(right, variables) or affine[0] in bounds:
            return None
        bounds[affine[0]] = (ast.unparse(affine[1]) if affine[1] is not None else None, right)
    return bounds


def mask_fix(ctx: FunctionContext, call: ast.Call, mask: ast.keyword) -> tuple[Fix, ...]:
    variables = index_vars(ctx)
    bounds = _bounds(mask.value, variables)
    if bounds is None:
        return ()
    edits = [remove_argument(ctx, call, mask)]
    roots = [*call.args, *(k.value for k in call.keywords if k is not mask)]
    for use in (u for root in roots for u in _loads(ctx, root, set(bounds))):
        found = _element(ctx, use, variables)
        if found is None:
            return ()
        element = found[0]
        _, offset = _affine(element, variables)  # type: ignore[misc]
        offset_text, bound = bounds[use.id]
        if (ast.unparse(offset) if offset is not None else None) != offset_text:
            return ()
        edits.append(Edit(ctx.span(element), slice_text(ctx, variables[use.id], offset, bound)))
    title = "Remove `mask=` and clamp the masked slices with `min(...)` (check: tiles shrink to the in-bounds part)"
    return (Fix(title, tuple(edits), Applicability.UNSAFE),)
