"""Operands of a masked statement that no index grid addresses (NKI540).

A Beta-1 mask bounds the instruction's iteration space, not only the operands that spell the grid:
`nl.multiply(out_tile, g_bcast, mask=(i * 128 + ix < n))` computes partitions `0 .. n - i * 128` of
both tiles. When the mask bounds the partition axis (axis 0 of a broadcast pattern or of `nl.mgrid`),
every tile operand without a grid is clamped on its partition axis too: `t` → `t[0:min(P, n - c)]`,
`t[:, :]` → `t[0:min(P, n - c), :]`, `t[...]` → `t[0:min(P, n - c), ...]`. Free axes of such operands
are left alone (an ISA call's other operands have their own free sizes, e.g. `dst_idx` of
`nc_match_replace8`). An operand that may be a tile but cannot be clamped exactly (a parameter, an
expression, a subscript starting with an index) means no fix.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nki_compiler import api
from nki_compiler.diagnostics.model import Edit
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import allocations, called, shape_elements
from nki_compiler.frontend.checks.migration_grid_model import Affine, Axis, GridModel, Offset, tight_text
from nki_compiler.source import Span

Bounds = dict[Axis, tuple[Offset, ast.expr]]

TILE_METHODS = frozenset({"broadcast_to", "reshape", "view", "astype", "transpose", "ap", "bitcast"})
TILE_RESULTS = ("Tensor", "NkiInstruction")  # Beta-1 ISA calls returned their result tile
#: `nl` functions whose operands do not share one iteration space.
OWN_SPACES = frozenset({"nki.language.matmul", "nki.language.transpose"})


@dataclass(frozen=True)
class Clamp:
    """Per tile axis, the kept range of a grid-free operand: `0:min(stop, limit)`, or `:` (not bounded)."""

    texts: tuple[str, ...]


def grid_free_clamp(
    ctx: FunctionContext, call: ast.Call, bounds: Bounds, addressed: set[Axis]
) -> Clamp | None:
    """What the mask keeps of operands that spell no grid; None when it cannot be said exactly.

    `nl` functions compute over one iteration space shared by all operands, so every bound axis applies
    (by its position in the grid pattern); an `nisa` instruction's operands have their own free sizes
    (`dst_idx`, `vals`), so only a partition-axis bound applies, and a free-axis bound that no operand
    spells makes the fix inexact."""
    shared = (called(ctx, call) or "").startswith("nki.language.") and called(ctx, call) not in OWN_SPACES
    texts: dict[int, str] = {}
    ndims = set()
    for axis, (offset, bound) in bounds.items():
        position = axis.index if axis.ndim is not None and axis.ndim >= 2 else None
        if position is None or (position > 0 and not shared):
            if axis in addressed:
                continue
            return None
        text = axis_clamp(ctx, axis, offset, bound)
        if text is None:
            return None
        texts[position] = text
        ndims.add(axis.ndim)
    if not texts:
        return Clamp(())
    if len(ndims) != 1:
        return None
    last = max(texts)
    return Clamp(tuple(texts.get(i, ":") for i in range(last + 1)))


def axis_clamp(ctx: FunctionContext, axis: Axis, offset: Offset, bound: ast.expr) -> str | None:
    """`0:min(stop, bound - c)` for a grid axis starting at 0 bounded by `c + v < bound`, else None."""
    if axis.start is not None and not (isinstance(axis.start, ast.Constant) and axis.start.value == 0):
        return None
    if offset.render() is None:
        limit = ctx.text(bound)
    else:
        limit = Offset(pieces=((1, tight_text(ctx, bound)),)).plus(offset, -1).render() or "0"
    return f"0:min({ctx.text(axis.stop)}, {limit})"


def operand_edits(
    grid: GridModel, call: ast.Call, operands: list[ast.expr], clamp: Clamp, bounds: Bounds
) -> list[Edit] | None:
    """Edits clamping every grid-free tile operand to the masked range; None: not exactly possible."""
    ctx = grid.ctx
    edits: list[Edit] = []
    spelled = [o for o in operands if _addresses_grid(grid, o)]
    for operand in operands:
        if operand in spelled or isinstance(operand, ast.Name) and not isinstance(operand.ctx, ast.Load):
            continue  # spelled with the grid (clamped by the caller), or a name the statement assigns
        shaped = _shaped_like(grid, operand, spelled, bounds)
        if shaped is not None:
            edits.append(Edit(ctx.span(operand), shaped))
            continue
        if not clamp.texts:
            continue
        kind = _kind(grid, operand, _parameter_annotation(ctx, call, operand))
        if kind == "scalar":
            continue
        edit = _clamped(ctx, operand, clamp) if kind == "tile" else None
        if edit is None:
            return None
        edits.append(edit)
    return edits


def _shaped_like(grid: GridModel, operand: ast.expr, spelled: list[ast.expr], bounds: Bounds) -> str | None:
    """`dst` allocated as `nl.ndarray(x[...].shape, ...)` for an operand `x[e0, e1]` of the call (how the
    NKI401 rewrite allocates a masked result): every axis clamped like `x`'s, counted from 0."""
    ctx = grid.ctx
    allocation = allocations(ctx).get(operand.id) if isinstance(operand, ast.Name) else None
    shape = allocation.shape if allocation is not None else None
    if not (
        isinstance(shape, ast.Attribute) and shape.attr == "shape" and isinstance(shape.value, ast.Subscript)
    ):
        return None
    source = ctx.text(shape.value.value)
    like = [o for o in spelled if isinstance(o, ast.Subscript) and ctx.text(o.value) == source]
    if len(like) != 1:
        return None
    elements = like[0].slice.elts if isinstance(like[0].slice, ast.Tuple) else [like[0].slice]
    texts = []
    for element in elements:
        value = grid.value(element) if grid.mentions_grid(element) else None
        if not isinstance(value, Affine) or len(value.terms) != 1 or value.terms[0][1] != 1:
            return None
        axis = value.terms[0][0]
        if axis not in bounds:
            texts.append(":")
            continue
        clamp = axis_clamp(ctx, axis, *bounds[axis])
        if clamp is None:
            return None
        texts.append(clamp)
    return f"{operand.id}[{', '.join(texts)}]"  # type: ignore[attr-defined]


def _addresses_grid(grid: GridModel, operand: ast.expr) -> bool:
    return any(
        grid.mentions_grid(element)
        for node in ast.walk(operand)
        if isinstance(node, ast.Subscript)
        for element in (node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice])
    )


def _parameter_annotation(ctx: FunctionContext, call: ast.Call, operand: ast.expr) -> str:
    """The annotation of the parameter `operand` binds to ("Tensor" when unknown: assume a tile)."""
    entry = api.lookup(called(ctx, call) or "")
    if entry is None or entry.signature is None:
        return "Tensor"
    parameters = entry.signature.parameters
    name = next((k.arg for k in call.keywords if k.value is operand), None)
    if name is None:
        positional = next((i for i, a in enumerate(call.args) if a is operand), None)
        if positional is None or not entry.qualname.startswith("nki.language."):
            return "Tensor"  # an assignment target, or a Beta-1 ISA call whose positions shifted in 0.6
        names = list(parameters)
        name = names[positional] if positional < len(names) else None
    parameter = parameters.get(name) if name else None
    return str(parameter.annotation) if parameter is not None else "Tensor"


def _kind(grid: GridModel, node: ast.expr, annotation: str) -> str:
    """ "tile", "scalar", or "unknown" (a tile parameter whose value cannot be told)."""
    if isinstance(node, (ast.Constant, ast.Attribute)):
        return "scalar"
    if isinstance(node, ast.Subscript):
        return "scalar" if _is_shape(node.value) else "tile"
    if isinstance(node, ast.Name):
        definition = grid.reaching_definition(node)
        kind = value_kind(grid.ctx, definition) if definition is not None else "unknown"
    else:
        kind = value_kind(grid.ctx, node)
        kind = "unknown" if kind == "tile" else kind  # a tile computed inline cannot be sliced here
    if kind == "unknown" and "Tensor" not in annotation:
        return "scalar"
    return kind


def value_kind(ctx: FunctionContext, value: ast.expr) -> str:
    """ "tile" (an `nl`/`nisa` result, a tile method, a subscript), "scalar" or "unknown"."""
    if isinstance(value, ast.Constant):
        return "scalar"
    if isinstance(value, ast.Subscript):
        return "scalar" if _is_shape(value.value) else "tile"
    if not isinstance(value, ast.Call):
        return "unknown"
    name = called(ctx, value) or ""
    if name.startswith(("nki.language.", "nki.isa.")):
        entry = api.lookup(name)
        result = str(entry.signature.return_annotation) if entry and entry.signature else ""
        return "tile" if any(r in result for r in TILE_RESULTS) else "scalar"
    if isinstance(value.func, ast.Attribute) and value.func.attr in TILE_METHODS:
        return "tile"
    return "unknown"


def _is_shape(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "shape"


def _clamped(ctx: FunctionContext, operand: ast.expr, clamp: Clamp) -> Edit | None:
    if isinstance(operand, ast.Name):
        return Edit(ctx.span(operand), f"{operand.id}[{', '.join(clamp.texts)}]")
    if not isinstance(operand, ast.Subscript):
        return None
    elements = operand.slice.elts if isinstance(operand.slice, ast.Tuple) else [operand.slice]
    blocks = _block_dims(ctx, operand.value)
    if blocks is None or any(isinstance(e, ast.Slice) for e in elements[:blocks]):
        return None
    elements = elements[blocks:]
    if (
        blocks
        and len(elements) == 1
        and isinstance(elements[0], ast.Constant)
        and elements[0].value is Ellipsis
    ):
        return None
    if len(elements) == 1 and isinstance(elements[0], ast.Constant) and elements[0].value is Ellipsis:
        return Edit(ctx.span(elements[0]), f"{', '.join(clamp.texts)}, ...")
    if len(elements) < len(clamp.texts):
        return None
    edits = []
    for element, text in zip(elements, clamp.texts, strict=False):
        if text == ":":
            continue
        if not _full_slice(element):
            return None
        edits.append(Edit(ctx.span(element), text))
    if len(edits) != 1:  # one Edit per operand: several clamped axes are rewritten as one slice text
        texts = [t if t != ":" else ctx.text(e) for e, t in zip(elements, clamp.texts, strict=False)]
        texts += [ctx.text(e) for e in elements[len(clamp.texts) :]]
        first = ctx.span(elements[0]).start if elements else ctx.span(operand.slice).end
        return Edit(Span(first, ctx.span(operand.slice).end), ", ".join(texts))
    return edits[0]


def _block_dims(ctx: FunctionContext, tensor: ast.expr) -> int | None:
    """Leading Beta-1 block dimensions of a tile: the position of `nl.par_dim` in its allocation's shape
    (`nl.ndarray([2] + [nl.par_dim(p), f], ...)` → 1); 0 without one; None: not decidable."""
    allocation = allocations(ctx).get(tensor.id) if isinstance(tensor, ast.Name) else None
    shape = shape_elements(allocation.shape) if allocation is not None else []
    if shape is None:
        return None
    positions = [i for i, e in enumerate(shape) if called(ctx, e) == "nki.language.par_dim"]
    return positions[0] if len(positions) == 1 else 0 if not positions else None


def _full_slice(element: ast.expr) -> bool:
    if not isinstance(element, ast.Slice) or element.upper is not None or element.step is not None:
        return False
    return element.lower is None or isinstance(element.lower, ast.Constant) and element.lower.value == 0
