"""NKI5xx rules on Beta-1 values: numpy functions passed as instruction operators (NKI026 with the
`nl.<fn>` fix) and the removed `nl.fp32` limits (NKI539, nki-api.md §7: use the fp32 literal).
"""

from __future__ import annotations

import ast
import functools

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import canonical, legacy, module_alias

#: `nl.fp32.<limit>` → the literal nki-api.md §7 prescribes (the fp32 extremes).
FP32_LIMITS = {"min": "-3.4028235e38", "max": "3.4028235e38"}
#: numpy reductions passed as an operator mean the binary operator (`reduce_op=np.max` → `nl.maximum`).
REDUCTION_OPERATORS = {"max": "maximum", "amax": "maximum", "min": "minimum", "amin": "minimum", "sum": "add"}


@functools.cache
def _nl_function(name: str) -> bool:
    """`nki.language.<name>` is a function of our own 0.6 `nki` package (never user code)."""
    import nki.language

    return callable(getattr(nki.language, name, None)) and name[:1].islower()


@legacy(ast.Attribute)
def numpy_operator(ctx: FunctionContext, node: ast.AST) -> None:
    """`nisa.activation(op=np.square, ...)`: numpy ufuncs passed where NKI expects an `nl` operator."""
    assert isinstance(node, ast.Attribute)
    parent = ctx.parent(node)
    if not isinstance(node.ctx, ast.Load) or not _is_operand_of_nki_call(ctx, node, parent):
        return
    name = canonical(ctx, node) or ""
    operator = REDUCTION_OPERATORS.get(node.attr, node.attr)
    if not name.startswith("numpy.") or name.count(".") != 1 or not _nl_function(operator):
        return
    nl = module_alias(ctx, "nki.language")
    fixes: tuple[Fix, ...] = ()
    if nl is not None:
        new = f"{nl}.{operator}"
        fixes = (Fix(f"Use `{new}`", (Edit(ctx.span(node), new),)),)
    ctx.report("NKI026", node, fixes=fixes, module="numpy")


def _is_operand_of_nki_call(ctx: FunctionContext, node: ast.expr, parent: ast.AST | None) -> bool:
    if isinstance(parent, ast.keyword):
        parent = ctx.parent(parent)
    elif isinstance(parent, (ast.List, ast.Tuple)):
        parent = ctx.parent(parent)  # `ops=[np.add, ...]`
        if isinstance(parent, ast.keyword):
            parent = ctx.parent(parent)
    if not isinstance(parent, ast.Call) or parent.func is node:
        return False
    called = canonical(ctx, parent.func) or ""
    return called.startswith(("nki.isa.", "nki.language."))


@legacy(ast.Attribute)
def fp32_limit(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Attribute)
    if not isinstance(node.ctx, ast.Load) or canonical(ctx, node.value) != "nki.language.fp32":
        return
    literal = FP32_LIMITS.get(node.attr)
    fixes: tuple[Fix, ...] = ()
    if literal is not None:
        fixes = (Fix(f"Use `{literal}` (fp32 {node.attr})", (Edit(ctx.span(node), literal),)),)
    ctx.report("NKI539", node, fixes=fixes)
