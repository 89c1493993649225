"""Why an index grid has no slice rewrite, and what to write instead (notes of NKI539).

`migration_grids` rewrites a grid only when every use has an exact slice form. When one use blocks it,
the note names that use and the 0.6 form:
- an index that walks two grid axes in one dimension (`i_f1 * sz_f2 + i_f2`, a flattened walk): view the
  dimension as two with `.reshape(...)` (and `.permute(...)` when the axes come in another order than
  the grid's), then index each new dimension with a slice;
- an axis scaled by a non-literal (`(h - 1) * i_h`): the slice with that step, valid when the step is >= 1;
- grid axes in transposed order on an on-chip tile: `nisa.nc_transpose` (Tensor engine) or
  `nisa.dma_transpose` while loading from HBM;
- any other use (a grid passed to a call or compared): what each grid value was, as slices.
"""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Note
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import parent_of
from nki_compiler.frontend.checks.migration_grid_model import (
    Affine,
    Axis,
    GridModel,
    model,
    tight_text,
)
from nki_compiler.frontend.checks.migration_grids import _is_hbm, _subscript_site
from nki_compiler.frontend.walk import walk_cached

MAX_NOTES = 3
Term = tuple[Axis, str]  # a grid axis and the source text of its coefficient ("1" for none)


def grid_blocker_notes(ctx: FunctionContext, node: ast.expr) -> tuple[Note, ...]:
    """Notes for the grid created at `node` (an `nl.arange`/`nl.mgrid` name) when it has no fix."""
    grid = model(ctx)
    root = _root(grid, node)
    if root is None:
        return ()
    blocking = _blocking_subscripts(grid)
    own = [(s, _subscript_advice(grid, s)) for s, roots in blocking if id(root) in roots]
    notes = [Note(text, ctx.module.path, ctx.span(s)) for s, text in own if text][:MAX_NOTES]
    if not notes and blocking:  # blocked through a name it shares with another grid
        subscript = blocking[0][0]
        text = _subscript_advice(grid, subscript)
        if text:
            shared = "this grid shares its names with grids used here, and the rewrite needs all of them: "
            notes.append(Note(shared + text, ctx.module.path, ctx.span(subscript)))
    return tuple(notes)


def _root(grid: GridModel, node: ast.AST) -> ast.AST | None:
    current: ast.AST | None = node
    for _ in range(3):
        if current is None or grid.is_root(current):
            return current
        current = parent_of(grid.ctx, current)
    return None


def _blocking_subscripts(grid: GridModel) -> list[tuple[ast.Subscript, set[int]]]:
    cached = getattr(grid, "_blocking", None)
    if cached is None:
        cached = []
        for node in walk_cached(grid.ctx.function.node):
            if isinstance(node, ast.Subscript) and not grid.is_root(node) and grid.mentions_grid(node.slice):
                site, roots = _subscript_site(grid, node)
                if site is None:
                    cached.append((node, _all_roots(grid, node) | roots))
        grid._blocking = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _all_roots(grid: GridModel, subscript: ast.Subscript) -> set[int]:
    """Roots of every grid name an element mentions, also where the element has no affine value."""
    found: set[int] = set()
    for node in ast.walk(subscript.slice):
        if isinstance(node, ast.Name) and node.id in grid.tainted:
            value = grid.value(node)
            found |= value.roots
    return found


def _subscript_advice(grid: GridModel, subscript: ast.Subscript) -> str:
    ctx = grid.ctx
    elements = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
    tensor = ctx.text(subscript.value)
    advice = [_element_advice(grid, tensor, p, elements, e) for p, e in enumerate(elements)]
    if any(advice):
        return "; ".join(a for a in advice if a)
    axes = [_single_axis(grid, e) for e in elements if grid.mentions_grid(e)]
    if all(a is not None for a in axes) and not _is_hbm(grid, subscript.value):
        return (
            f"`{ctx.text(subscript)}` lists the grid axes in transposed order on an on-chip tile; 0.6 views "
            "cannot move its partition axis: write the transpose as an instruction, "
            f"`nisa.nc_transpose(dst=<tile of the transposed shape>, data={tensor}[...])` (Tensor engine, "
            "up to 128 x 128, result in PSUM), or load it transposed from HBM with "
            "`nisa.dma_transpose(dst=..., src=<hbm tensor>[...])`"
        )
    return ""


def _element_advice(
    grid: GridModel, tensor: str, position: int, elements: list[ast.expr], element: ast.expr
) -> str:
    ctx = grid.ctx
    if not grid.mentions_grid(element):
        return ""
    offsets: list[str] = []
    terms = _terms(grid, element, offsets)
    if terms is None:
        return (
            f"`{ctx.text(element)}` is not `offset + step * axis` of one grid axis: compute what it "
            f"addresses and write `{tensor}[...]` with slices (`start:stop:step`), one per dimension"
        )
    symbolic = [t for t in terms if t[1] != "1" and not t[1].lstrip("-").isdigit()]
    if len(terms) == 1 and symbolic:
        return _scaled_advice(ctx, tensor, element, terms[0])
    if len(terms) > 1 and _is_flattened(ctx, terms):
        return _flattened_advice(ctx, tensor, position, len(elements), element, terms, offsets)
    if len(terms) > 1:
        return (
            f"`{ctx.text(element)}` adds grid axes that overlap (not a flattened walk): write one "
            "instruction per value of one of the axes (a Python `for` over its range), each indexing "
            f"`{tensor}` with a slice of the other"
        )
    return ""


def _is_flattened(ctx: FunctionContext, terms: list[Term]) -> bool:
    """Two axes `a * B + b` where `B` is the extent of `b` (from 0): every element exactly once."""
    if len(terms) != 2:
        return False
    inner = [t for t in terms if t[1] == "1"]
    outer = [t for t in terms if t[1] != "1"]
    if len(inner) != 1 or len(outer) != 1 or _literal(inner[0][0].start, 0) != 0:
        return False
    extent = inner[0][0].stop
    return outer[0][1].replace(" ", "") in (
        ctx.text(extent).replace(" ", ""),
        tight_text(ctx, extent).replace(" ", ""),
    )


def _scaled_advice(ctx: FunctionContext, tensor: str, element: ast.expr, term: Term) -> str:
    axis, step = term
    factor = step if step.isidentifier() else f"({step})"
    start, stop = _literal(axis.start, 0), _literal(axis.stop, None)
    if start is None or start != 0:
        first = f"{ctx.text(axis.start)} * {factor}" if axis.start is not None else "0"
        last = f"({tight_text(ctx, axis.stop)} - 1) * {factor} + 1"
    else:
        first = "0"
        last = (
            f"({tight_text(ctx, axis.stop)} - 1) * {factor} + 1"
            if stop is None
            else (f"{factor} + 1" if stop == 2 else f"{stop - 1} * {factor} + 1")
        )
    return (
        f"`{ctx.text(element)}` scales a grid axis by `{step}`, which is not a literal: when `{step} >= 1`, "
        f"write the slice `{first}:{last}:{factor}` for that dimension of `{tensor}` (a step below 1 has "
        "no slice)"
    )


def _literal(node: ast.expr | None, default: int | None) -> int | None:
    if node is None:
        return default
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def _flattened_advice(
    ctx: FunctionContext,
    tensor: str,
    position: int,
    rank: int,
    element: ast.expr,
    terms: list[Term],
    offsets: list[str],
) -> str:
    """`a * B + b` over grid axes a (extent A), b (extent B): one dimension walked as (A, B)."""
    ordered = sorted(terms, key=lambda t: _is_inner(t, terms))
    extents = [tight_text(ctx, axis.stop) for axis, _ in ordered]
    dims = [f"{tensor}.shape[{d}]" for d in range(position)] + extents
    dims += [f"{tensor}.shape[{d}]" for d in range(position + 1, rank)]
    view = f"{tensor}.reshape(({', '.join(dims)}))"
    order = sorted(range(len(ordered)), key=lambda i: ordered[i][0].index)
    permuted = order != list(range(len(ordered)))
    if permuted:
        full = list(range(position)) + [position + i for i in order]
        full += list(range(position + len(ordered), len(dims)))
        view += f".permute(({', '.join(map(str, full))}))"
    start = ""
    if offsets:
        first = " + ".join(offsets)
        start = (
            f" from element `{first}` (slice `{first}:{first} + {' * '.join(_extents(ctx, terms))}` first)"
        )
    return (
        f"`{ctx.text(element)}` walks dimension {position} of `{tensor}`{start} as the grid axes "
        f"({', '.join(extents)}){' in transposed order' if permuted else ''}: give each axis its own dimension "
        f"with the view `{view}` and index it with one slice per axis (check that the dimension holds "
        f"exactly {' * '.join(extents)} elements); copy between such views with `nisa.tensor_copy`"
    )


def _extents(ctx: FunctionContext, terms: list[Term]) -> list[str]:
    return [tight_text(ctx, axis.stop) for axis, _ in terms]


def _is_inner(term: Term, terms: list[Term]) -> int:
    """Sort key: the axis with coefficient 1 is innermost (last)."""
    return 1 if term[1] == "1" else 0


def _single_axis(grid: GridModel, element: ast.expr) -> Axis | None:
    value = grid.value(element)
    if isinstance(value, Affine) and len(value.terms) == 1:
        return value.terms[0][0]
    return None


def _terms(grid: GridModel, element: ast.expr, offsets: list[str] | None = None) -> list[Term] | None:
    """`sum(coefficient * axis) + grid-free offsets` with any grid-free coefficient text (the offsets'
    texts are appended to `offsets`); None otherwise."""
    offsets = [] if offsets is None else offsets
    if not grid.mentions_grid(element):
        offsets.append(grid.ctx.text(element))
        return []
    if isinstance(element, ast.Name):
        definition = grid.reaching_definition(element)
        value = grid.value(element)
        if definition is not None and not isinstance(value, Affine):
            return _terms(grid, definition, offsets)
    if isinstance(element, ast.BinOp) and isinstance(element.op, ast.Add):
        left, right = _terms(grid, element.left, offsets), _terms(grid, element.right, offsets)
        return left + right if left is not None and right is not None else None
    if isinstance(element, ast.BinOp) and isinstance(element.op, ast.Mult):
        for axis_side, factor in ((element.left, element.right), (element.right, element.left)):
            value = grid.value(axis_side)
            single = isinstance(value, Affine) and len(value.terms) == 1 and value.terms[0][1] == 1
            if not grid.mentions_grid(factor) and single and value.offset.render() is None:  # type: ignore[union-attr]
                return [(value.terms[0][0], grid.ctx.text(factor))]  # type: ignore[union-attr]
        return None
    value = grid.value(element)
    if isinstance(value, Affine):
        if value.offset.render() is not None:
            offsets.append(value.offset.render())  # type: ignore[arg-type]
        return [(axis, str(k)) for axis, k in value.terms]
    return None
