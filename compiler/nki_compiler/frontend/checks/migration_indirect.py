"""Beta-1 dynamic access with a tile index: `t[idx_tile, 0:512]` → `t.vector_select(0, idx_tile)[:, 0:512]`
(NKI315 through the NKI543 row of nki-language-rules.md §3.6).

Beta 1 gathered (or, as a store target, scattered) one row of an HBM tensor per partition of an integer
`(P, 1)` SBUF tile written as the leading index. NKI 0.6 spells the same access
`.vector_select(0, idx_tile)` (nki-api.md §3.8: HBM tensors only, dim 0, `(P, 1)` ints; the selected
dimension is not sliced again). The check only speaks when the index is certainly a tile (an `nl`/`nisa`
result assigned once, or a subscript of one) and the tensor certainly HBM (a kernel argument or an
`nl.shared_hbm`/`nl.hbm` allocation); the specializer reports the remaining cases with its values.
"""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.migration_grid_model import model
from nki_compiler.frontend.checks.migration_grids import _is_hbm
from nki_compiler.frontend.checks.migration_mask_operands import value_kind


@on(ast.Subscript)
def tile_index(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Subscript)
    elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if not elements or not _is_tile(ctx, elements[0]):
        return
    grid = model(ctx)
    if not _is_hbm(grid, node.value) or any(_is_tile(ctx, e) or grid.mentions_grid(e) for e in elements[1:]):
        return
    ctx.report("NKI315", node, fixes=_vector_select(ctx, node, elements))


def _is_tile(ctx: FunctionContext, element: ast.expr) -> bool:
    """A name assigned once an `nl`/`nisa` result (`idx_tile`), or a subscript of one (`idx_tile[0:64, 0]`)."""
    name = element.value if isinstance(element, ast.Subscript) else element
    if not isinstance(name, ast.Name):
        return False
    definition = model(ctx).reaching_definition(name)
    return isinstance(definition, ast.Call) and value_kind(ctx, definition) == "tile"


def _vector_select(ctx: FunctionContext, node: ast.Subscript, elements: list[ast.expr]) -> tuple[Fix, ...]:
    if any(
        isinstance(e, ast.Starred) or isinstance(e, ast.Constant) and e.value is Ellipsis for e in elements
    ):
        return ()
    rest = [ctx.text(e) for e in elements[1:]]
    selected = f"{ctx.text(node.value)}.vector_select(0, {ctx.text(elements[0])})"
    text = selected if all(r == ":" for r in rest) else f"{selected}[{', '.join([':', *rest])}]"
    title = f"Gather with `{selected}` (check: the index is an SBUF `(P, 1)` integer tile)"
    return (Fix(title, (Edit(ctx.span(node), text),), Applicability.UNSAFE),)
