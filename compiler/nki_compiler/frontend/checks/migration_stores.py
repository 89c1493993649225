"""NKI316 in the front end: `t[ix] = <call that certainly returns a tensor>` (Beta 1 lvalue stores).

The specializer reports every store into a tensor; the front end reports the syntactic cases whose
right-hand side is an `nl.load`, an `nl.<fn>` that returns a tensor, or a `nisa` instruction, so that a
plain `--check` (and `--fix`) sees them. The language server drops the specializer's duplicate.
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Callable

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.facts import bindings, facts, walk_scope
from nki_compiler.frontend.checks.migration_common import allocation_of, alone_on_lines, called, module_alias
from nki_compiler.frontend.checks.migration_entry import isa_name

#: `nl.<fn>(x, y)` → `nisa.tensor_tensor(..., op=nl.<fn>)` (unsafe: an operand may be a scalar).
BINARY = frozenset(
    {"add", "subtract", "multiply", "maximum", "minimum", "divide", "power", "bitwise_and", "bitwise_or",
     "bitwise_xor", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
     "logical_and", "logical_or", "logical_xor"}
)  # fmt: skip
#: `nl.<fn>(x)` → `nisa.activation(op=nl.<fn>, data=x)` (unsafe: the activation table's precision).
#: element-wise arithmetic that `nisa.tensor_scalar` computes with a `[P, 1]` operand broadcast along free dims
SCALAR_OPERATORS = frozenset({"add", "subtract", "multiply", "maximum", "minimum", "divide"})
UNARY = frozenset(
    {"exp", "log", "tanh", "sigmoid", "relu", "square", "sqrt", "rsqrt", "gelu", "silu", "abs", "sin",
     "cos", "erf", "softplus", "mish", "sign", "arctan", "tan", "reciprocal"}
)  # fmt: skip


@functools.cache
def _returns_tensor(name: str) -> bool:
    """`nki.language.<name>` of our own 0.6 package is annotated to return a tensor (never user code)."""
    import nki.language

    function = getattr(nki.language, name, None)
    try:
        return callable(function) and inspect.signature(function).return_annotation == "Tensor"
    except (TypeError, ValueError):
        return False


def tensor_producer(ctx: FunctionContext, value: ast.expr) -> str | None:
    """Canonical name of a call that certainly produces a tensor, else None."""
    name = called(ctx, value) or ""
    if name.startswith("nki.isa."):
        return name
    if name.startswith("nki.language.") and _returns_tensor(name.rsplit(".", 1)[-1]):
        return name
    return None


def certainly_tile(ctx: FunctionContext, node: ast.expr) -> bool:
    """`node` is a local name every binding of which is an `nl` call returning a tile (Beta-1 tiles too), or
    an augmented assignment `t += ...` of it."""
    if not isinstance(node, ast.Name):
        return False
    for function in facts(ctx).enclosing_functions(node):
        values = bindings(function).names.get(node.id)
        if values is None:
            continue
        calls = [v for v in values if v is not None]
        updates = sum(
            1
            for n in walk_scope(function)
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == node.id
        )
        return (
            bool(calls)
            and len(values) - len(calls) == updates
            and all(
                isinstance(v, ast.Call) and (tensor_producer(ctx, v) or "").startswith("nki.language.")
                for v in calls
            )
        )
    return False


@on(ast.Assign)
def store_into_tensor(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Assign)
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Subscript):
        return
    if _number(node.value) is not None:
        _fill(ctx, node)
        return
    name = tensor_producer(ctx, node.value)
    if name is None:
        _tile_copy(ctx, node)
        return
    fixes: tuple[Fix, ...] = ()
    call = node.value
    assert isinstance(call, ast.Call)
    if alone_on_lines(ctx, node) and not any(k.arg is None for k in call.keywords):
        fixes = _store_fixes(ctx, node, call, name)
    ctx.report("NKI316", node.targets[0], fixes=fixes)


def _store_fixes(ctx: FunctionContext, statement: ast.Assign, call: ast.Call, name: str) -> tuple[Fix, ...]:
    (nisa, imports), nl = isa_name(ctx), module_alias(ctx, "nki.language")
    if nisa is None or nl is None or any(isinstance(a, ast.Starred) for a in call.args):
        return ()
    destination = ctx.text(statement.targets[0])
    short = name.rsplit(".", 1)[-1]
    arguments = [ctx.text(a) for a in call.args]

    def replace(title: str, new: str, applicability: Applicability) -> tuple[Fix, ...]:
        return (Fix(title, (*imports, Edit(ctx.span(statement), new)), applicability),)

    if name.startswith("nki.isa."):
        if any(k.arg == "dst" for k in call.keywords):
            return ()
        rest = [*arguments, *(ctx.text(k) for k in call.keywords)]
        new = f"{ctx.text(call.func)}({', '.join([destination, *rest])})"
        return replace("Pass the destination as `dst`", new, Applicability.UNSAFE)
    if call.keywords:
        return _cast_copy_fixes(ctx, statement, call, short, replace)
    if short == "load" and len(arguments) == 1:
        new = f"{nisa}.dma_copy(dst={destination}, src={arguments[0]})"
        return replace(f"Use `{nisa}.dma_copy`", new, Applicability.SAFE)
    if short in BINARY and len(arguments) == 2:
        new = (
            f"{nisa}.tensor_tensor(dst={destination}, data1={arguments[0]}, data2={arguments[1]}, "
            f"op={nl}.{short})"
        )
        title = f"Use `{nisa}.tensor_tensor` (check: both operands are tiles, else `tensor_scalar`)"
        return replace(title, new, Applicability.UNSAFE)
    if short in UNARY and len(arguments) == 1:
        new = f"{nisa}.activation(dst={destination}, op={nl}.{short}, data={arguments[0]})"
        title = f"Use `{nisa}.activation` (check: the activation's precision suits the kernel)"
        return replace(title, new, Applicability.UNSAFE)
    if short == "copy" and len(arguments) == 1:
        new = f"{nisa}.tensor_copy(dst={destination}, src={arguments[0]})"
        return replace(f"Use `{nisa}.tensor_copy`", new, Applicability.UNSAFE)
    return ()


def _cast_copy_fixes(
    ctx: FunctionContext,
    statement: ast.Assign,
    call: ast.Call,
    short: str,
    replace: Callable[..., tuple[Fix, ...]],
) -> tuple[Fix, ...]:
    """`t[ix] = nl.load(x, dtype=d)` / `nl.copy(x, dtype=d)`: Beta 1 cast to `d`, then into `t`'s dtype; the
    0.6 copy casts to `t`'s dtype directly, the same values when `d` is `t`'s dtype (spelled alike)."""
    if short in SCALAR_OPERATORS and len(call.args) == 2 and [k.arg for k in call.keywords] == ["dtype"]:
        return _per_partition_scalar_fixes(ctx, statement, call, short, replace)
    if short not in ("load", "copy") or len(call.args) != 1 or [k.arg for k in call.keywords] != ["dtype"]:
        return ()
    (nisa, _), destination = isa_name(ctx), ctx.text(statement.targets[0])
    target = allocation_of(ctx, statement.targets[0])
    dtype = call.keywords[0].value
    same = target is not None and target.dtype is not None and ctx.text(target.dtype) == ctx.text(dtype)
    operation, operand = ("dma_copy", "src") if short == "load" else ("tensor_copy", "src")
    new = f"{nisa}.{operation}(dst={destination}, {operand}={ctx.text(call.args[0])})"
    title = f"Use `{nisa}.{operation}`"
    if not same:
        title += f" (check: the destination's dtype is `{ctx.text(dtype)}`; Beta 1 cast to it first)"
    safe = same and short == "load"
    return replace(title, new, Applicability.SAFE if safe else Applicability.UNSAFE)


def _per_partition_scalar_fixes(
    ctx: FunctionContext,
    statement: ast.Assign,
    call: ast.Call,
    short: str,
    replace: Callable[..., tuple[Fix, ...]],
) -> tuple[Fix, ...]:
    """`t[ix] = nl.multiply(x, s, dtype=d)` with `s` allocated `(P, 1)`: `s` broadcasts along the free
    dimensions, which is `nisa.tensor_scalar(dst=t[ix], data=x, op0=nl.multiply, operand0=s)`."""
    scalar = call.args[1]
    allocation = allocation_of(ctx, scalar)
    shape = allocation.shape if allocation is not None else None
    whole = not isinstance(scalar, ast.Subscript) or _is_ellipsis(scalar.slice)
    if not isinstance(shape, (ast.Tuple, ast.List)) or len(shape.elts) != 2 or not whole:
        return ()
    if not (isinstance(shape.elts[1], ast.Constant) and shape.elts[1].value == 1):
        return ()
    (nisa, _), nl = isa_name(ctx), module_alias(ctx, "nki.language")
    destination = ctx.text(statement.targets[0])
    new = (
        f"{nisa}.tensor_scalar(dst={destination}, data={ctx.text(call.args[0])}, op0={nl}.{short}, "
        f"operand0={ctx.text(scalar)})"
    )
    dtype = ctx.text(call.keywords[0].value)
    target = allocation_of(ctx, statement.targets[0])
    cast = (
        ""
        if target is not None and target.dtype is not None and ctx.text(target.dtype) == dtype
        else (f"; the destination's dtype is `{dtype}`")
    )
    title = f"Use `{nisa}.tensor_scalar` (check: `{ctx.text(scalar)}` holds fp32 values{cast})"
    return replace(title, new, Applicability.UNSAFE)


def _is_ellipsis(index: ast.expr) -> bool:
    return isinstance(index, ast.Constant) and index.value is Ellipsis


def _number(value: ast.expr) -> int | float | None:
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        inner = _number(value.operand)
        return None if inner is None else -inner
    if isinstance(value, ast.Constant) and type(value.value) in (int, float):
        number: int | float = value.value  # type: ignore[assignment]
        return number
    return None


def _fill(ctx: FunctionContext, statement: ast.Assign) -> None:
    """Beta-1 `t[ix] = 0.0` on a local SBUF/PSUM allocation filled the view: `nisa.memset(dst=t[ix], value=0.0)`."""
    target = statement.targets[0]
    allocation = allocation_of(ctx, target)
    on_chip = (None, "nki.language.sbuf", "nki.language.psum")
    if allocation is None or allocation.buffer not in on_chip:
        return
    (nisa, imports) = isa_name(ctx)
    fixes: tuple[Fix, ...] = ()
    if nisa is not None and alone_on_lines(ctx, statement):
        new = f"{nisa}.memset(dst={ctx.text(target)}, value={ctx.text(statement.value)})"
        fixes = (Fix(f"Use `{nisa}.memset`", (*imports, Edit(ctx.span(statement), new))),)
    ctx.report("NKI316", target, fixes=fixes)


def _tile_copy(ctx: FunctionContext, statement: ast.Assign) -> None:
    """`t[ix] = u[iy]` between Beta-1 tiles → `nisa.tensor_copy(dst=t[ix], src=u[iy])`."""
    target, value = statement.targets[0], statement.value
    source = value.value if isinstance(value, ast.Subscript) else value
    assert isinstance(target, ast.Subscript)
    if not certainly_tile(ctx, target.value) or not certainly_tile(ctx, source):
        return
    (nisa, imports) = isa_name(ctx)
    fixes: tuple[Fix, ...] = ()
    if nisa is not None and alone_on_lines(ctx, statement):
        new = f"{nisa}.tensor_copy(dst={ctx.text(target)}, src={ctx.text(value)})"
        title = f"Use `{nisa}.tensor_copy` (check: both sides have the same partitions and elements)"
        fixes = (Fix(title, (*imports, Edit(ctx.span(statement), new)), Applicability.UNSAFE),)
    ctx.report("NKI316", target, fixes=fixes)
