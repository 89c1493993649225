"""Beta-1 `mask=` → clamped slices and compile-time conditions (NKI540).

A mask is a conjunction (`&`, `and`). A conjunct `c + v < bound` (or `bound > c + v`) over one grid axis
`v` clamps the elements `c + v` of the same call (and of the `t[...] =` it assigns) to
`c + a : min(c + b, bound)`, elements `e + v` to `e + a : min(e + b, bound - c + e)`. A conjunct that
reads no grid (`(2 * i + g) * pmax < seqlen`, a name assigned such a comparison, or one assigned
`comparison if flag else None`) depends only on loop variables and sizes, which 0.6 unrolls to Python
values: the statement (a call, or a write `t[...] = ...`) is wrapped in `if <conditions>:`. Any other
conjunct (a grid compared with a grid, `<=`, `|`, a parameter) has no fix. The mask bounds the whole
instruction, so operands that spell no grid are clamped too (`migration_mask_operands.py`); when that
cannot be done exactly, there is no fix.
"""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import (
    alone_on_lines,
    enclosing_statement,
    indent_unit,
    indentation,
    remove_argument,
)
from nki_compiler.frontend.checks.migration_grid_model import (
    Affine,
    Axis,
    GridModel,
    Offset,
    Value,
    model,
    tight_text,
)
from nki_compiler.frontend.checks.migration_grids import slice_text
from nki_compiler.frontend.checks.migration_mask_operands import grid_free_clamp, operand_edits
from nki_compiler.frontend.walk import walk, walk_cached
from nki_compiler.source import Span

Bounds = dict[Axis, tuple[Offset, ast.expr]]


def _conjuncts(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
        return _conjuncts(node.left) + _conjuncts(node.right)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [c for v in node.values for c in _conjuncts(v)]
    return [node]


def _mask_parts(grid: GridModel, mask: ast.expr) -> tuple[Bounds, list[str]] | None:
    """(`c + v < n` conjuncts as {axis of v: (text of c, n)}, texts of grid-free conditions); None: no fix."""
    bounds: Bounds = {}
    conditions: list[str] = []
    for part in _conjuncts(mask):
        condition = _condition(grid, part) if not grid.mentions_grid(part) else None
        if condition is not None:
            conditions.append(condition)
            continue
        if not isinstance(part, ast.Compare) or len(part.ops) != 1:
            return None
        left, right = part.left, part.comparators[0]
        if isinstance(part.ops[0], ast.Gt):
            left, right = right, left
        elif not isinstance(part.ops[0], ast.Lt):
            return None
        value = grid.value(left)
        if not isinstance(value, Affine) or len(value.terms) != 1 or value.terms[0][1] != 1:
            return None
        axis = value.terms[0][0]
        if grid.mentions_grid(right) or axis in bounds:
            return None
        bounds[axis] = (value.offset, right)
    return bounds, conditions


def _condition(grid: GridModel, part: ast.expr) -> str | None:
    """The text of a compile-time condition: a comparison, or a name assigned once a conjunction of
    comparisons (`m = a < b`) or such a conjunction or `None` (`m = a < b if flag else None`: no mask)."""
    text = grid.ctx.text(part)
    if isinstance(part, ast.Compare):
        return text
    value = grid.reaching_definition(part) if isinstance(part, ast.Name) else None
    if value is not None and _comparisons(value):
        return text
    if isinstance(value, ast.IfExp):
        branches = (value.body, value.orelse)
        if any(_is_none(b) for b in branches) and all(_is_none(b) or _comparisons(b) for b in branches):
            return f"({text} is None or {text})"
    return None


def _comparisons(node: ast.expr) -> bool:
    return all(isinstance(c, ast.Compare) for c in _conjuncts(node))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def mask_fix(ctx: FunctionContext, call: ast.Call, mask: ast.keyword) -> tuple[Fix, ...]:
    grid = model(ctx)
    parts = _mask_parts(grid, mask.value)
    if parts is None:
        return ()
    bounds, conditions = parts
    edits = [remove_argument(ctx, call, mask)]
    operands = [*call.args, *(k.value for k in call.keywords if k is not mask)]
    statement = enclosing_statement(ctx, call)
    if isinstance(statement, ast.Assign) and statement.value is call:
        operands += statement.targets  # `t[...] = op(..., mask=m)`: the mask covers the write too
    addressed: set[Axis] = set()
    for subscript in (n for root in operands for n in walk_cached(root) if isinstance(n, ast.Subscript)):
        elements = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
        for element in elements:
            value = grid.value(element) if grid.mentions_grid(element) else None
            clamped = _clamped(ctx, value, bounds)
            if clamped is False:
                return ()
            if isinstance(clamped, str):
                edits.append(Edit(ctx.span(element), clamped))
                addressed |= {a for a, _ in value.terms}  # type: ignore[union-attr]
    others = _grid_free_operands(grid, call, operands, bounds, addressed)
    if others is None:
        return ()
    edits += others
    if not conditions:
        title = "Remove `mask=` and clamp the masked slices with `min(...)` (check: tiles shrink to the in-bounds part)"
        return (Fix(title, tuple(edits), Applicability.UNSAFE),)
    wrapped = _wrapped(ctx, call, edits, " and ".join(conditions))
    if wrapped is None:
        return ()
    title = "Remove `mask=` and run the statement under `if` (check: the condition is known at compile time)"
    return (Fix(title, (wrapped,), Applicability.UNSAFE),)


def _grid_free_operands(
    grid: GridModel, call: ast.Call, operands: list[ast.expr], bounds: Bounds, addressed: set[Axis]
) -> list[Edit] | None:
    """Clamps of the operands no grid addresses; None when a bound cannot be applied exactly."""
    clamp = grid_free_clamp(grid.ctx, call, bounds, addressed)
    return operand_edits(grid, call, operands, clamp, bounds) if clamp is not None else None


def _clamped(ctx: FunctionContext, value: Value | None, bounds: Bounds) -> str | bool:
    """The clamped slice of a masked element, True for an element the mask does not touch, False: no fix."""
    if not isinstance(value, Affine):
        return value is None
    masked = [a for a, _ in value.terms if a in bounds]
    if not masked:
        return True
    offset, bound = bounds[masked[0]]
    if len(value.terms) != 1 or value.terms[0][1] != 1:
        return False
    if value.offset.render() == offset.render():
        limit = ctx.text(bound)
    else:  # `c_e + v` under `c_m + v < bound`: v < bound - c_m
        limit = (
            Offset(pieces=((1, tight_text(ctx, bound)),)).plus(offset, -1).plus(value.offset).render() or "0"
        )
    text = slice_text(ctx, value, limit)
    return text[0] if text is not None else False


def _wrapped(ctx: FunctionContext, call: ast.Call, edits: list[Edit], condition: str) -> Edit | None:
    """One edit: the call's statement with `edits` applied, indented under `if condition:`."""
    statement = enclosing_statement(ctx, call)
    writes = isinstance(statement, ast.Assign) and all(
        isinstance(t, ast.Subscript) for t in statement.targets
    )
    if not (isinstance(statement, ast.Expr) or writes) or getattr(statement, "value", None) is not call:
        return None  # a masked-out `t = ...` would leave `t` unbound
    assert statement is not None
    if not alone_on_lines(ctx, statement):
        return None
    if any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and "\n" in ctx.text(n) for n in walk(call)
    ):
        return None  # re-indenting would change a multi-line string
    span = ctx.span(statement)
    text = ctx.module.source.text[span.start : span.end]
    for edit in sorted(edits, key=lambda e: e.span.start, reverse=True):
        start, end = edit.span.start - span.start, edit.span.end - span.start
        text = text[:start] + edit.new_text + text[end:]
    indent, unit = indentation(ctx, statement), indent_unit(ctx)
    body = text.replace("\n", "\n" + unit)
    return Edit(Span(span.start, span.end), f"if {condition}:\n{indent}{unit}{body}")
