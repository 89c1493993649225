"""NKI5xx rules on Beta-1 values: numpy functions passed as instruction operators (NKI026 with the
`nl.<fn>` fix), the removed `nl.fp32` limits (NKI539, nki-api.md §7: use the fp32 literal) and Python
arithmetic on Beta-1 tiles (NKI317 in the front end, for names certainly bound to a tile).
"""

from __future__ import annotations

import ast
import functools

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.migration_advice import loop_reduce_notes
from nki_compiler.frontend.checks.migration_common import alone_on_lines, canonical, legacy, module_alias
from nki_compiler.frontend.checks.migration_entry import isa_name
from nki_compiler.frontend.checks.migration_stores import certainly_tile

#: `nl.fp32.<limit>` → the literal nki-api.md §7 prescribes (the fp32 extremes).
FP32_LIMITS = {"min": "-3.4028235e38", "max": "3.4028235e38"}
#: numpy reductions passed as an operator mean the binary operator (`reduce_op=np.max` → `nl.maximum`).
REDUCTION_OPERATORS = {"max": "maximum", "amax": "maximum", "min": "minimum", "amin": "minimum", "sum": "add"}
#: Beta-1 tile arithmetic → the `nl` function computing the same element-wise result.
TILE_OPERATORS: dict[type, tuple[str, str]] = {
    ast.Add: ("+", "add"), ast.Sub: ("-", "subtract"), ast.Mult: ("*", "multiply"), ast.Div: ("/", "divide"),
}  # fmt: skip


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


@on(ast.BinOp)
def tile_arithmetic(ctx: FunctionContext, node: ast.AST) -> None:
    """`t / n`, `a * b` where an operand is a local name every binding of which is a call that returns a
    tile (Beta-1 tiles supported Python operators; 0.6 tensors do not). The specializer reports the other
    cases once values are known."""
    assert isinstance(node, ast.BinOp)
    operator = TILE_OPERATORS.get(type(node.op))
    if operator is None or not (certainly_tile(ctx, node.left) or certainly_tile(ctx, node.right)):
        return
    symbol, function = operator
    nl = module_alias(ctx, "nki.language")
    fixes: tuple[Fix, ...] = ()
    if nl is not None:
        new = f"{nl}.{function}({ctx.text(node.left)}, {ctx.text(node.right)})"
        title = f"Use `{nl}.{function}`"
        if function == "divide":
            title += " (check: integer tiles divided as floats in Beta 1)"
        applicability = Applicability.UNSAFE if function == "divide" else Applicability.SAFE
        fixes = (Fix(title, (Edit(ctx.span(node), new),), applicability),)
    ctx.report("NKI317", node, fixes=fixes, op=symbol)


@on(ast.Call)
def tile_broadcast_method(ctx: FunctionContext, node: ast.AST) -> None:
    """Beta-1 `tile.broadcast_to(shape)` → `nl.broadcast_to(tile, shape)` (0.6 tensors have no such method)."""
    assert isinstance(node, ast.Call)
    func = node.func
    if (
        not isinstance(func, ast.Attribute)
        or func.attr != "broadcast_to"
        or not certainly_tile(ctx, func.value)
    ):
        return
    nl = module_alias(ctx, "nki.language")
    fixes: tuple[Fix, ...] = ()
    if (
        nl is not None
        and len(node.args) + len(node.keywords) == 1
        and not any(k.arg is None for k in node.keywords)
    ):
        shape = ctx.text(node.args[0] if node.args else node.keywords[0])
        new = f"{nl}.broadcast_to({ctx.text(func.value)}, {shape})"
        fixes = (Fix(f"Use `{nl}.broadcast_to`", (Edit(ctx.span(node), new),)),)
    ctx.report("NKI539", func, fixes=fixes)


@legacy(ast.Call)
def loop_reduce(ctx: FunctionContext, node: ast.AST) -> None:
    """Beta-1 `t[ix] = nl.loop_reduce(x, op=f, loop_indices=[...])` accumulated `t[ix] = f(x, t[ix])` over a
    loop; 0.6 writes the same with `nisa.tensor_tensor` (the dtype is the destination's)."""
    assert isinstance(node, ast.Call)
    if canonical(ctx, node.func) != "nki.language.loop_reduce":
        return
    fixes = _loop_reduce_fix(ctx, node)
    ctx.report("NKI539", node.func, fixes=fixes, notes=() if fixes else loop_reduce_notes(ctx, node))


def _loop_reduce_fix(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    statement = ctx.parent(call)
    (nisa, imports), nl = isa_name(ctx), module_alias(ctx, "nki.language")
    op = next((k.value for k in call.keywords if k.arg == "op"), call.args[1] if len(call.args) > 1 else None)
    allowed = {"x", "op", "loop_indices", "dtype", "name"}
    if (
        not isinstance(statement, ast.Assign)
        or statement.value is not call
        or len(statement.targets) != 1
        or not isinstance(statement.targets[0], ast.Subscript)
        or nisa is None
        or nl is None
        or op is None
        or not call.args
        or len(call.args) > 3
        or any(k.arg not in allowed for k in call.keywords)
        or not alone_on_lines(ctx, statement)
    ):
        return ()
    target = ctx.text(statement.targets[0])
    label = next((f", name={ctx.text(k.value)}" for k in call.keywords if k.arg == "name"), "")
    new = (
        f"{nisa}.tensor_tensor(dst={target}, data1={ctx.text(call.args[0])}, data2={target}, "
        f"op={ctx.text(op)}{label})"
    )
    title = f"Accumulate with `{nisa}.tensor_tensor` (check: `{target}` holds the initial value, e.g. zeros)"
    return (Fix(title, (*imports, Edit(ctx.span(statement), new)), Applicability.UNSAFE),)


@on(ast.AugAssign)
def tile_accumulation(ctx: FunctionContext, node: ast.AST) -> None:
    """Beta-1 `t[ix] += x` on tiles → `nisa.tensor_tensor(dst=t[ix], data1=t[ix], data2=x, op=nl.add)`."""
    assert isinstance(node, ast.AugAssign)
    operator = TILE_OPERATORS.get(type(node.op))
    target = node.target.value if isinstance(node.target, ast.Subscript) else node.target
    if operator is None or not certainly_tile(ctx, target):
        return
    symbol, function = operator
    (nisa, imports), nl = isa_name(ctx), module_alias(ctx, "nki.language")
    fixes: tuple[Fix, ...] = ()
    if nisa is not None and nl is not None and certainly_tile(ctx, node.value) and alone_on_lines(ctx, node):
        dst = ctx.text(node.target)
        new = (
            f"{nisa}.tensor_tensor(dst={dst}, data1={dst}, data2={ctx.text(node.value)}, op={nl}.{function})"
        )
        title = f"Use `{nisa}.tensor_tensor` (check: both operands have the same shape)"
        fixes = (Fix(title, (*imports, Edit(ctx.span(node), new)), Applicability.UNSAFE),)
    ctx.report("NKI317", node, fixes=fixes, op=f"{symbol}=")
