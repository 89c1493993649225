"""Rewriting Beta-1 index grids (`nl.arange`, `nl.mgrid`) and `mask=` into 0.6 slices (NKI539, NKI540).

`migration_grid_model` evaluates every grid-valued expression to an affine form. A subscript element
`c + k * v` over one grid axis `v in [a, b)` becomes the slice `c + k*a : c + k*(b-1) + 1` (`:k` when
`k > 1`); a whole `nl.mgrid[...]` subscript becomes its slices. Grids sharing a use (a subscript, a
derived name) form one component and are rewritten together: every use is rewritten, the assignments
of grid names are deleted. A component with any use that has no exact slice form (two axes in one
element, transposing axis order, negative or symbolic steps, a grid passed to a call or compared in a
`mask=`) gets no fix. `mask=(c + v < bound)` clamps the matching elements of the same call to
`c + a : min(c + b, bound)`; the grid fix follows once no mask reads the grid.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.fixes import delete_statement
from nki_compiler.frontend.checks.migration_common import allocations, alone_on_lines, parent_of
from nki_compiler.frontend.checks.migration_grid_model import (
    Affine,
    Axis,
    GridModel,
    GridObject,
    Offset,
    Value,
    model,
    tight_text,
)
from nki_compiler.frontend.walk import walk, walk_cached

HBM_BUFFERS = frozenset({"nki.language.shared_hbm", "nki.language.hbm", "nki.language.private_hbm"})


@dataclass
class Site:
    roots: set[int]
    edits: list[Edit]
    exact: bool = True
    names: list[str] = field(default_factory=list)


@dataclass
class Plan:
    fixes: dict[int, tuple[Fix, ...]]  # root id → the fix of its component


def grid_fix(ctx: FunctionContext, node: ast.expr) -> tuple[Fix, ...]:
    """The fix for the grid whose `nl.arange`/`nl.mgrid` name is `node`."""
    root = _root_of(model(ctx), node)
    return _plan(ctx).fixes.get(id(root), ()) if root is not None else ()


def _root_of(grid: GridModel, node: ast.AST) -> ast.AST | None:
    for _ in range(3):
        if grid.is_root(node):
            return node
        parent = parent_of(grid.ctx, node)
        if parent is None:
            return None
        node = parent
    return None


# ---- slices --------------------------------------------------------------------------------------


def _bound(ctx: FunctionContext, node: ast.expr | None) -> Offset:
    if node is None:
        return Offset()
    value = node.value if isinstance(node, ast.Constant) else None
    return Offset(value) if type(value) is int else Offset(pieces=((1, tight_text(ctx, node)),))


def slice_text(ctx: FunctionContext, value: Affine, clamp: str | None = None) -> tuple[str, bool] | None:
    """`start:stop[:step]` of a one-axis affine element and whether it carries an offset; None: no slice."""
    if not value.terms:
        return (value.offset.render() or "0"), value.offset.render() is None
    if len(value.terms) != 1 or value.terms[0][1] < 1:
        return None
    axis, step = value.terms[0]
    start = value.offset.plus(_bound(ctx, axis.start).scaled(step))
    stop = value.offset.plus(_bound(ctx, axis.stop).scaled(step)).plus(Offset(1 - step))
    stop_text = stop.render() or "0"
    if clamp is not None:
        stop_text = f"min({stop_text}, {clamp})"
    text = f"{start.render() or '0'}:{stop_text}" + (f":{step}" if step > 1 else "")
    return text, value.offset.render() is None


def _ordered(values: list[Value]) -> bool:
    """Grid axes must appear in increasing order: a transposing grid has no slice equivalent."""
    axes: list[Axis] = [a for v in values if isinstance(v, Affine) for a, _ in v.terms]
    if any(a.ndim is None for a in axes):
        return len(axes) == 1
    return all(a.index < b.index for a, b in zip(axes, axes[1:], strict=False))


def _subscript_site(grid: GridModel, subscript: ast.Subscript) -> tuple[Site | None, set[int]]:
    """The rewrite of one subscript (None when it has no exact slice form) and the roots it reads."""
    ctx = grid.ctx
    elements = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
    values = [grid.value(e) if grid.mentions_grid(e) else None for e in elements]
    roots = {r for v in values if v is not None for r in v.roots}
    if len(values) == 1 and isinstance(values[0], GridObject):
        values = [Affine(terms=((a, 1),)) for a in values[0].axes]
        elements = [subscript.slice]
        texts = [slice_text(ctx, v) for v in values]  # type: ignore[arg-type]
        if None in texts:
            return None, roots
        joined = ", ".join(t[0] for t in texts)  # type: ignore[index]
        return Site(roots, [Edit(ctx.span(subscript.slice), joined)]), roots
    if any(v is not None and not isinstance(v, Affine) for v in values):
        return None, roots
    if not _ordered(values):  # type: ignore[arg-type]
        permuted = _permuted(grid, subscript, values)  # type: ignore[arg-type]
        if permuted is not None:
            permuted.roots = roots
        return permuted, roots
    site = Site(roots, [])
    for element, value in zip(elements, values, strict=True):
        if value is None:
            continue
        text = slice_text(ctx, value)  # type: ignore[arg-type]
        if text is None:
            return None, roots
        site.edits.append(Edit(ctx.span(element), text[0]))
        site.exact = site.exact and text[1]
    return site, roots


def _permuted(grid: GridModel, subscript: ast.Subscript, values: list[Affine | None]) -> Site | None:
    """`t[jf, ip]` on an HBM tensor → `t[0:F, 0:P].permute((1, 0))`: dims back in grid-axis order. Scalar
    indices between them (`t[b, jf, ip]`) select a dimension that the result drops (HBM indexing)."""
    ctx = grid.ctx
    elements = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
    if any(
        v is None and isinstance(e, (ast.Slice, ast.Starred)) for v, e in zip(values, elements, strict=True)
    ):
        return None
    gridded = [v for v in values if v is not None]
    axes = [v.terms[0][0] if len(v.terms) == 1 else None for v in gridded]
    if None in axes or len({a.index for a in axes}) != len(axes) or any(a.ndim is None for a in axes):  # type: ignore[union-attr]
        return None
    if not _is_hbm(grid, subscript.value):
        return None  # on-chip tensors cannot move the partition dimension (nki-api.md `permute`)
    texts = [
        slice_text(ctx, v) if v is not None else (ctx.text(e), True)
        for v, e in zip(values, elements, strict=True)
    ]
    if None in texts:
        return None
    order = sorted(range(len(axes)), key=lambda i: axes[i].index)  # type: ignore[union-attr]
    slices = ", ".join(t[0] for t in texts)  # type: ignore[index]
    text = f"{ctx.text(subscript.value)}[{slices}].permute(({', '.join(map(str, order))}))"
    return Site(set(), [Edit(ctx.span(subscript), text)], exact=all(t[1] for t in texts))  # type: ignore[index]


def _is_hbm(grid: GridModel, tensor: ast.expr) -> bool:
    """A kernel argument, or a local allocation in HBM, never rebound."""
    if not isinstance(tensor, ast.Name) or grid.stores(grid.ctx.function.node, tensor.id):
        allocation = allocations(grid.ctx).get(tensor.id) if isinstance(tensor, ast.Name) else None
        return allocation is not None and allocation.buffer in HBM_BUFFERS
    node = grid.ctx.function.node
    arguments = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    return grid.ctx.function.kind == "kernel" and tensor.id in arguments and grid.scope_of(tensor) is node


def _definition_site(grid: GridModel, statement: ast.Assign | ast.AnnAssign) -> tuple[Site | None, set[int]]:
    assert statement.value is not None
    value = grid.value(statement.value)
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    names = [n.id for t in targets for n in walk(t) if isinstance(n, ast.Name)]
    simple = len(targets) == 1 and (
        isinstance(targets[0], ast.Name)
        or isinstance(targets[0], ast.Tuple)
        and isinstance(value, GridObject)
        and all(isinstance(e, ast.Name) for e in targets[0].elts)
    )
    roots = (
        value.roots if isinstance(value, (Affine, GridObject)) else _dead_value_roots(grid, statement, names)
    )
    if not roots or not simple or not alone_on_lines(grid.ctx, statement):
        return None, roots
    return Site(roots, [delete_statement(grid.ctx, statement)], names=names), roots


def _dead_value_roots(grid: GridModel, statement: ast.Assign | ast.AnnAssign, names: list[str]) -> set[int]:
    """Grids read by an assignment nobody reads (a predicate or mask left behind by its rewrite)."""
    loaded = {
        n.id
        for n in walk_cached(grid.ctx.function.node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    if loaded & set(names):
        return set()
    roots: set[int] = set()
    for node in walk(statement.value):  # type: ignore[arg-type]
        if grid.is_root(node) or isinstance(node, ast.Name) and node.id in grid.tainted:
            found = grid.value(node)  # type: ignore[arg-type]
            if not found.roots:
                return set()
            roots |= found.roots
    return roots


# ---- components ----------------------------------------------------------------------------------


class _Components:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, items: set[int]) -> int | None:
        first = None
        for item in items:
            root = self.find(item)
            first = root if first is None else first
            self.parent[root] = first
        return self.find(first) if first is not None else None


def _plan(ctx: FunctionContext) -> Plan:
    cached = getattr(ctx, "_nki5_grid_plan", None)
    if cached is None:
        cached = _make_plan(model(ctx))
        ctx._nki5_grid_plan = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _make_plan(grid: GridModel) -> Plan:
    nodes = walk_cached(grid.ctx.function.node)
    roots = [n for n in nodes if grid.is_root(n)]
    if not roots:
        return Plan({})
    components = _Components()
    for root in roots:
        components.find(id(root))
    sites: list[Site] = []
    blocked: set[int] = set()
    consumed: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Subscript) and not grid.is_root(node) and grid.mentions_grid(node.slice):
            site, touched = _subscript_site(grid, node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and _defines_grid(grid, node):
            site, touched = _definition_site(grid, node)
        else:
            continue
        components.join(touched)
        if site is None:
            blocked |= touched if touched else {id(r) for r in roots}
            continue
        sites.append(site)
        consumed |= {id(n) for n in walk(node.slice if isinstance(node, ast.Subscript) else node)}
    for node in nodes:
        loose = (
            grid.is_root(node)
            or isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id in grid.tainted
        )
        if loose and id(node) not in consumed:
            value = grid.value(node)  # type: ignore[arg-type]
            blocked |= value.roots if value.roots else {id(r) for r in roots}
    return Plan(_fixes(grid, roots, sites, components, {components.find(b) for b in blocked}))


def _defines_grid(grid: GridModel, statement: ast.Assign | ast.AnnAssign) -> bool:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    tainted = any(isinstance(n, ast.Name) and n.id in grid.tainted for t in targets for n in walk(t))
    return tainted and statement.value is not None and grid.mentions_grid(statement.value)


def _fixes(
    grid: GridModel, roots: list[ast.AST], sites: list[Site], components: _Components, blocked: set[int]
) -> dict[int, tuple[Fix, ...]]:
    grouped: dict[int, list[Site]] = {}
    for site in sites:
        key = components.join(site.roots)
        if key is not None:
            grouped.setdefault(key, []).append(site)
    fixes: dict[int, tuple[Fix, ...]] = {}
    for key, members in grouped.items():
        if key in blocked:
            continue
        names = sorted({n for s in members for n in s.names}) or sorted(
            {grid.ctx.text(r) for r in roots if components.find(id(r)) == key}  # type: ignore[arg-type]
        )
        edits = tuple(e for s in members for e in s.edits)
        exact = all(s.exact for s in members)
        title = f"Replace the index grid `{', '.join(names)}` by slices"
        fix = (
            Fix(title, edits)
            if exact
            else Fix(f"{title} (check: the offsets added to the grid)", edits, Applicability.UNSAFE)
        )
        for root in roots:
            if components.find(id(root)) == key:
                fixes[id(root)] = (fix,)
    return fixes
