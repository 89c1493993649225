"""NKI5xx rules on Beta-1 tiles: value-returning instructions, index grids, masks and legacy allocation.

NKI401 (legacy form only: a `nisa` call without `dst` that returns its result), NKI539 (`nl.arange`/
`nl.mgrid` → slices), NKI540 (`mask=` → clamped slices), NKI546 (opt-in: `nl.load`/`nl.store` →
`nisa.dma_copy`), NKI547 (`nl.par_dim`, `mod_alloc`, `sb_mod`), NKI554 (`nisa.memset(shape, ...)`).
"""

from __future__ import annotations

import ast
import inspect

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import (
    ALLOCATORS,
    alone_on_lines,
    argument,
    called,
    canonical,
    indentation,
    keyword,
    legacy,
    module_alias,
)
from nki_compiler.frontend.checks.migration_grids import grid_fix, mask_fix
from nki_compiler.frontend.checks.migration_isa import _isa_signature

#: Result shape/dtype/buffer of Beta-1 value-returning instructions, from the bound 0.6 parameters.
SAME_SHAPE_AS = {
    "activation": "data", "tensor_tensor": "data1", "tensor_scalar": "data", "tensor_copy": "src",
    "reciprocal": "data", "dropout": "data", "exponential": "src", "scalar_tensor_tensor": "data",
    "select_reduce": "on_true", "affine_select": "on_true_tile", "range_select": "on_true_tile",
}  # fmt: skip
OWN_CODES = frozenset(
    {"iota", "memset", "nc_stream_shuffle", "register_move", "register_load", "register_store"}
)
_DST = object()


# ---- value-returning instructions ----------------------------------------------------------------


@legacy(ast.Call)
def value_returning_instruction(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = called(ctx, node) or ""
    short = name.rsplit(".", 1)[-1]
    if not name.startswith("nki.isa.") or short in OWN_CODES:
        return
    signature = _isa_signature(name)
    if (
        signature is None
        or next(iter(signature.parameters), None) != "dst"
        or keyword(node, "dst") is not None
    ):
        return
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return
    known = {k.arg: k.value for k in node.keywords if k.arg is not None and k.arg in signature.parameters}
    try:
        signature.bind(*node.args, **known)
        return  # binds as a 0.6 call: `dst` is the first positional argument
    except TypeError:
        pass
    ctx.report("NKI401", node, op=short, fixes=_allocate_fix(ctx, node, signature, short))


def _allocate_fix(
    ctx: FunctionContext, call: ast.Call, signature: inspect.Signature, short: str
) -> tuple[Fix, ...]:
    statement = ctx.parent(call)
    nl = module_alias(ctx, "nki.language")
    if not isinstance(statement, ast.Assign) or statement.value is not call or nl is None:
        return ()
    if (
        len(statement.targets) != 1
        or not isinstance(statement.targets[0], ast.Name)
        or not alone_on_lines(ctx, statement)
    ):
        return ()
    known = {k.arg: k.value for k in call.keywords if k.arg is not None and k.arg in signature.parameters}
    try:
        bound = signature.bind(_DST, *call.args, **known).arguments
    except TypeError:
        return ()
    dtype_kw = keyword(call, "dtype")
    allocation = _result_allocation(ctx, short, bound, dtype_kw.value if dtype_kw else None, nl)
    if allocation is None or len(known) != len(call.keywords) - (dtype_kw is not None):
        return ()
    target = statement.targets[0].id
    arguments = [
        target,
        *(ctx.text(a) for a in call.args),
        *(ctx.text(k) for k in call.keywords if k.arg != "dtype"),
    ]
    new = (
        f"{target} = {allocation}\n{indentation(ctx, statement)}{ctx.text(call.func)}({', '.join(arguments)})"
    )
    title = f"Allocate `{target}` and pass it as `dst` (check: shape, dtype and buffer of the allocation)"
    return (Fix(title, (Edit(ctx.span(statement), new),), Applicability.UNSAFE),)


def _result_allocation(
    ctx: FunctionContext, short: str, bound: dict, dtype: ast.expr | None, nl: str
) -> str | None:  # type: ignore[type-arg]
    def text(param: str) -> str | None:
        value = bound.get(param)
        return ctx.text(value) if isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)) else None

    if short in SAME_SHAPE_AS:
        data = text(SAME_SHAPE_AS[short])
        if data is None:
            return None
        dtype_text = ctx.text(dtype) if dtype is not None else f"{data}.dtype"
        return f"{nl}.ndarray({data}.shape, dtype={dtype_text}, buffer={nl}.sbuf)"
    if short == "nc_matmul":
        stationary, moving = text("stationary"), text("moving")
        if stationary is None or moving is None or bound.get("is_transpose") is not None:
            return None
        shape = f"({stationary}.shape[1], {moving}.shape[1])"
        return f"{nl}.ndarray({shape}, dtype={nl}.float32, buffer={nl}.psum)"
    if short == "nc_transpose" and "engine" not in bound:
        data = text("data")
        if data is None:
            return None
        dtype_text = ctx.text(dtype) if dtype is not None else f"{data}.dtype"
        return f"{nl}.ndarray(({data}.shape[1], {data}.shape[0]), dtype={dtype_text}, buffer={nl}.psum)"
    return None


@legacy(ast.Call)
def memset_with_shape(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if (
        called(ctx, node) != "nki.isa.memset"
        or not node.args
        or not isinstance(node.args[0], (ast.Tuple, ast.List))
    ):
        return
    fixes: tuple[Fix, ...] = ()
    statement = ctx.parent(node)
    nl = module_alias(ctx, "nki.language")
    value, dtype = argument(node, 1, "value"), argument(node, 2, "dtype")
    extra = [k for k in node.keywords if k.arg not in ("value", "dtype", "shape")]
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and alone_on_lines(ctx, statement)
        and nl is not None
        and value is not None
        and dtype is not None
        and len(node.args) <= 3
        and all(k.arg == "engine" for k in extra)
    ):
        target = statement.targets[0].id
        rest = "".join(f", {ctx.text(k)}" for k in extra)
        new = (
            f"{target} = {nl}.ndarray({ctx.text(node.args[0])}, dtype={ctx.text(dtype)}, buffer={nl}.sbuf)\n"
            f"{indentation(ctx, statement)}{ctx.text(node.func)}({target}, {ctx.text(value)}{rest})"
        )
        title = f"Allocate `{target}` and memset it (check: the buffer; Beta 1 allocated in SBUF)"
        fixes = (Fix(title, (Edit(ctx.span(statement), new),), Applicability.UNSAFE),)
    ctx.report("NKI554", node, fixes=fixes)


# ---- nl.load / nl.store (opt-in) -----------------------------------------------------------------


@legacy(ast.Call)
def load_store(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = called(ctx, node)
    if name not in ("nki.language.load", "nki.language.store"):
        return
    ctx.report("NKI546", node.func, fixes=_dma_copy_fix(ctx, node, name))


def _dma_copy_fix(ctx: FunctionContext, call: ast.Call, name: str) -> tuple[Fix, ...]:
    nisa, nl = module_alias(ctx, "nki.isa"), module_alias(ctx, "nki.language")
    statement = ctx.parent(call)
    if nisa is None or nl is None or statement is None or not alone_on_lines(ctx, statement):  # type: ignore[arg-type]
        return ()
    title = "Use `nisa.dma_copy` (check: the on-chip tile shape of the copied view)"
    if name == "nki.language.store":
        dst, value = argument(call, 0, "dst"), argument(call, 1, "value")
        if (
            not isinstance(statement, ast.Expr)
            or dst is None
            or value is None
            or len(call.args) + len(call.keywords) != 2
        ):
            return ()
        new = f"{nisa}.dma_copy(dst={ctx.text(dst)}, src={ctx.text(value)})"
        return (Fix(title, (Edit(ctx.span(call), new),), Applicability.UNSAFE),)
    src = argument(call, 0, "src")
    if (
        not isinstance(statement, ast.Assign)
        or len(statement.targets) != 1
        or not isinstance(statement.targets[0], ast.Name)
        or src is None
        or len(call.args) + len(call.keywords) != 1
    ):
        return ()
    target, source = statement.targets[0].id, ctx.text(src)
    root = src
    while isinstance(root, ast.Subscript):
        root = root.value
    dtype = f"{ctx.text(root)}.dtype" if isinstance(root, ast.Name) else f"{source}.dtype"
    new = (
        f"{target} = {nl}.ndarray({source}.shape, dtype={dtype}, buffer={nl}.sbuf)\n"
        f"{indentation(ctx, statement)}{nisa}.dma_copy(dst={target}, src={source})"
    )
    return (Fix(title, (Edit(ctx.span(statement), new),), Applicability.UNSAFE),)


# ---- legacy allocation ---------------------------------------------------------------------------


@legacy(ast.Call)
def legacy_allocation(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = called(ctx, node) or ""
    if name == "nki.language.par_dim":
        ctx.report("NKI547", node, fixes=_unwrap_par_dim(ctx, node))
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "mod_alloc":
        owner = canonical(ctx, node.func.value) or ""
        if owner.startswith("nki.compiler."):
            ctx.report("NKI547", node)
    elif name.startswith("nki.") and name.rsplit(".", 1)[-1] == "sb_mod":
        ctx.report("NKI547", node)


def _unwrap_par_dim(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    shape = ctx.parent(call)
    allocation = ctx.parent(shape) if shape is not None else None
    if (
        isinstance(shape, (ast.Tuple, ast.List))
        and shape.elts
        and shape.elts[0] is call
        and isinstance(allocation, ast.Call)
        and called(ctx, allocation) in ALLOCATORS
        and argument(allocation, 0, "shape") is shape
        and len(call.args) == 1
        and not call.keywords
    ):
        return (
            Fix(
                "Drop `par_dim` (the partition dimension is already first)",
                (Edit(ctx.span(call), ctx.text(call.args[0])),),
            ),
        )
    return ()


# ---- index grids and masks -----------------------------------------------------------------------


@legacy(ast.Attribute)
def index_grid(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Attribute)
    if canonical(ctx, node) in ("nki.language.arange", "nki.language.mgrid"):
        ctx.report("NKI539", node, fixes=grid_fix(ctx, node))


@legacy(ast.Name)
def index_grid_bare(ctx: FunctionContext, node: ast.AST) -> None:
    """`from neuronxcc.nki.language import arange` spellings."""
    assert isinstance(node, ast.Name)
    if isinstance(node.ctx, ast.Load) and canonical(ctx, node) in (
        "nki.language.arange",
        "nki.language.mgrid",
    ):
        ctx.report("NKI539", node, fixes=grid_fix(ctx, node))


@legacy(ast.Call)
def mask_argument(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    mask = keyword(node, "mask")
    name = called(ctx, node) or ""
    if mask is not None and name.startswith(("nki.language.", "nki.isa.")):
        ctx.report("NKI540", mask, fixes=mask_fix(ctx, node, mask))
