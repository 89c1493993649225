"""Beta-1 grid operands of `nisa.iota` (NKI556) and `nisa.affine_select(pred=...)` (NKI555) → 0.6 patterns.

The grid value at partition `c`, free position `x` is `offset + k_p * (a_p + c) + k_f * (a_f + x)` for
axes `[a_p, b_p)` (partition, axis 0 of a 2-D grid) and `[a_f, b_f)` (free, axis 1); 0.6 computes
`offset + c * channel_multiplier + x * step` into an allocated `dst` (nki-api.md `iota`), so:

    t = nl.ndarray((b_p - a_p, b_f - a_f), dtype=D, buffer=nl.sbuf)
    nisa.iota(t, [[k_f, b_f - a_f]], offset=offset + k_p * a_p + k_f * a_f, channel_multiplier=k_p)

A missing axis has extent 1. Any other grid (1-D `nl.arange(n)`, more axes, a symbolic coefficient)
or a call that is not a whole `t = ...` statement gets no fix. `affine_select(dst, pred=L >= R, ...)`
takes the pattern of `L - R` (both axes present) with `cmp_op=nl.greater_equal` (`>`, `<`, `<=`, `==`
likewise); `pred` may name a comparison assigned once.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import (
    alone_on_lines,
    api_prefix,
    argument,
    enclosing_statement,
    indentation,
    keyword,
    module_alias,
)
from nki_compiler.frontend.checks.migration_grid_model import Affine, Offset, model, tight_text

COMPARISONS = {
    ast.GtE: "greater_equal",
    ast.Gt: "greater",
    ast.Lt: "less",
    ast.LtE: "less_equal",
    ast.Eq: "equal",
}


@dataclass(frozen=True)
class Pattern:
    """`value(c, x) = offset + c * multiplier + x * step` over a `(partitions, free)` tile."""

    partitions: str
    free: str
    step: int
    multiplier: int
    offset: Offset

    @property
    def pattern(self) -> str:
        return f"[[{self.step}, {self.free}]]"


def iota_fix(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    statement = enclosing_statement(ctx, call)
    expr, dtype = argument(call, 0, "expr"), keyword(call, "dtype")
    target = _target(statement, call)
    nl, isa = module_alias(ctx, "nki.language"), api_prefix(ctx, call, "nki.isa")
    if statement is None or target is None or expr is None or dtype is None or nl is None or isa is None:
        return ()
    if len(call.args) + len(call.keywords) != 2 or not alone_on_lines(ctx, statement):
        return ()
    value = model(ctx).value(expr)
    found = _pattern(ctx, value) if isinstance(value, Affine) else None
    if found is None:
        return ()
    options = f", offset={found.offset.render()}" if found.offset.render() is not None else ""
    options += f", channel_multiplier={found.multiplier}" if found.multiplier else ""
    name = ctx.text(target)
    text = (
        f"{name} = {nl}.ndarray(({found.partitions}, {found.free}), dtype={ctx.text(dtype.value)}, buffer={nl}.sbuf)\n"
        f"{indentation(ctx, statement)}{isa}.iota({name}, {found.pattern}{options})"
    )
    title = "Allocate the iota destination and pass the grid as pattern/offset"
    return (Fix(title, (Edit(ctx.span(statement), text),)),)


def affine_select_fix(ctx: FunctionContext, call: ast.Call, pred: ast.keyword) -> tuple[Fix, ...]:
    """`pred=L >= R` → `pattern=..., channel_multiplier=..., cmp_op=nl.greater_equal, offset=...`."""
    grid = model(ctx)
    compare: ast.expr | None = pred.value
    if isinstance(compare, ast.Name):
        compare = grid.reaching_definition(compare)
    nl = module_alias(ctx, "nki.language")
    if not isinstance(compare, ast.Compare) or len(compare.ops) != 1 or nl is None:
        return ()
    if any(keyword(call, name) is not None for name in ("pattern", "channel_multiplier", "cmp_op", "offset")):
        return ()
    operation = COMPARISONS.get(type(compare.ops[0]))
    left, right = grid.value(compare.left), grid.value(compare.comparators[0])
    if operation is None or not isinstance(left, Affine) or not isinstance(right, Affine):
        return ()
    difference = left.plus(right, -1)
    found = _pattern(ctx, difference)
    if found is None or not found.step or not found.multiplier:
        return ()  # without both axes the free size of the pattern is unknown
    text = (
        f"pattern={found.pattern}, channel_multiplier={found.multiplier}, cmp_op={nl}.{operation}, "
        f"offset={found.offset.render() or 0}"
    )
    title = "Pass the predicate grid as pattern/channel_multiplier/offset with `cmp_op=`"
    return (Fix(title, (Edit(ctx.span(pred), text),)),)


def _target(statement: ast.stmt | None, call: ast.Call) -> ast.Name | None:
    if isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is call:
        target = statement.target
    else:
        return None
    return target if isinstance(target, ast.Name) else None


def _pattern(ctx: FunctionContext, value: Affine) -> Pattern | None:
    """The pattern of an affine grid over axis 0 (partitions) and axis 1 (free) of 2-D grids."""
    by_axis = {}
    for axis, k in value.terms:
        if axis.ndim != 2 or axis.index in by_axis:
            return None
        by_axis[axis.index] = (axis, k)
    extents, offset = [], value.offset
    for index in (0, 1):
        if index not in by_axis:
            extents.append("1")
            continue
        axis, k = by_axis[index]
        extents.append(_extent(ctx, axis.start, axis.stop))
        offset = offset.plus(_bound(ctx, axis.start).scaled(k))
    step = by_axis[1][1] if 1 in by_axis else 0
    multiplier = by_axis[0][1] if 0 in by_axis else 0
    return Pattern(extents[0], extents[1], step, multiplier, offset)


def _bound(ctx: FunctionContext, node: ast.expr | None) -> Offset:
    if node is None:
        return Offset()
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Offset(node.value)
    return Offset(pieces=((1, tight_text(ctx, node)),))


def _extent(ctx: FunctionContext, start: ast.expr | None, stop: ast.expr) -> str:
    return _bound(ctx, stop).plus(_bound(ctx, start), -1).render() or "0"
