"""NKI5xx rules on Beta-1 tiles: value-returning instructions, index grids, masks and legacy allocation.

NKI401 (legacy form only: a `nisa` call without `dst` that returns its result), NKI539 (`nl.arange`/
`nl.mgrid` → slices), NKI540 (`mask=` → clamped slices), NKI546 (opt-in: `nl.load`/`nl.store` →
`nisa.dma_copy`), NKI547 (`nl.par_dim`, `mod_alloc`, `sb_mod`), NKI554 (`nisa.memset(shape, ...)`).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_advice import allocator_notes, mask_notes, par_dim_notes
from nki_compiler.frontend.checks.migration_allocators import placed_buffer_fix
from nki_compiler.frontend.checks.migration_common import (
    ALLOCATORS,
    Allocation,
    allocation_of,
    allocations,
    alone_on_lines,
    argument,
    called,
    canonical,
    indentation,
    is_int_literal,
    keyword,
    legacy,
    module_alias,
    parent_of,
)
from nki_compiler.frontend.checks.migration_grid_advice import grid_blocker_notes
from nki_compiler.frontend.checks.migration_grids import grid_fix
from nki_compiler.frontend.checks.migration_isa import _isa_signature
from nki_compiler.frontend.checks.migration_masks import mask_fix
from nki_compiler.frontend.walk import walk_cached

#: Result shape/dtype/buffer of Beta-1 value-returning instructions, from the bound 0.6 parameters.
SAME_SHAPE_AS = {
    "activation": "data", "tensor_tensor": "data1", "tensor_scalar": "data", "tensor_copy": "src",
    "reciprocal": "data", "dropout": "data", "exponential": "src", "scalar_tensor_tensor": "data",
    "select_reduce": "on_true", "affine_select": "on_true_tile", "range_select": "on_true_tile",
    "nc_match_replace8": "data", "tensor_tensor_scan": "data0",
}  # fmt: skip
#: Instructions whose result has a fixed number of elements per partition of the bound source operand.
PER_PARTITION = {"bn_stats": "6", "bn_aggr": "2", "max8": "8"}
PER_PARTITION_SOURCE = {"bn_stats": "data", "bn_aggr": "data", "max8": "src"}
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
    if _stored_into_tensor(ctx, node):
        return  # NKI316 (migration_stores.py) reports `t[ix] = nisa.op(...)` with the same `dst` rewrite
    ctx.report("NKI401", node, op=short, fixes=_allocate_fix(ctx, node, signature, short))


def _stored_into_tensor(ctx: FunctionContext, call: ast.Call) -> bool:
    """`t[ix] = nisa.op(...)` in kernel scope, where the NKI316 check runs (host functions only get NKI401)."""
    statement = ctx.parent(call)
    return (
        ctx.function.kind != "host"
        and isinstance(statement, ast.Assign)
        and statement.value is call
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Subscript)
    )


def _allocate_fix(
    ctx: FunctionContext, call: ast.Call, signature: inspect.Signature, short: str
) -> tuple[Fix, ...]:
    statement = ctx.parent(call)
    nl = module_alias(ctx, "nki.language")
    if isinstance(statement, ast.AugAssign) and statement.value is call:
        return _accumulate_fix(ctx, statement, call, short)
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is not call or nl is None:
        return ()
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if len(targets) != 1 or not alone_on_lines(ctx, statement):
        return ()
    known = {k.arg: k.value for k in call.keywords if k.arg is not None and k.arg in signature.parameters}
    dtype_kw = keyword(call, "dtype")
    if len(known) != len(call.keywords) - (dtype_kw is not None) - (keyword(call, "mask") is not None):
        return ()  # `mask=` stays on the call (NKI540 clamps `dst` and the operands next)
    try:
        bound = signature.bind(_DST, *call.args, **known).arguments
    except TypeError:
        return ()
    rest = [*(ctx.text(a) for a in call.args), *(ctx.text(k) for k in call.keywords if k.arg != "dtype")]
    target = targets[0]
    if isinstance(target, ast.Subscript) and isinstance(statement, ast.Assign):
        new = f"{ctx.text(call.func)}({', '.join([ctx.text(target), *rest])})"
        title = f"Pass `{ctx.text(target)}` as `dst` (check: the view has the shape of the result)"
        return (Fix(title, (Edit(ctx.span(statement), new),), Applicability.UNSAFE),)
    if not isinstance(target, ast.Name):
        return ()
    allocation = _result_allocation(ctx, short, bound, dtype_kw.value if dtype_kw else None, nl)
    if allocation is None:
        return ()
    annotation = f": {ctx.text(statement.annotation)}" if isinstance(statement, ast.AnnAssign) else ""
    new = (
        f"{target.id}{annotation} = {allocation}\n"
        f"{indentation(ctx, statement)}{ctx.text(call.func)}({', '.join([target.id, *rest])})"
    )
    title = f"Allocate `{target.id}` and pass it as `dst` (check: shape, dtype and buffer of the allocation)"
    return (Fix(title, (Edit(ctx.span(statement), new),), Applicability.UNSAFE),)


def _accumulate_fix(
    ctx: FunctionContext, statement: ast.AugAssign, call: ast.Call, short: str
) -> tuple[Fix, ...]:
    """Beta-1 `psum_tile += nisa.nc_matmul(a, b)` → `nisa.nc_matmul(psum_tile, a, b)`: with `accumulate`
    left to the compiler, the first matmul into the location overwrites and later ones add (nki-api.md §4)."""
    if (
        short != "nc_matmul"
        or not isinstance(statement.op, ast.Add)
        or not isinstance(statement.target, (ast.Name, ast.Subscript))
        or keyword(call, "accumulate") is not None
        or not alone_on_lines(ctx, statement)
        or any(k.arg is None for k in call.keywords)
    ):
        return ()
    rest = [*(ctx.text(a) for a in call.args), *(ctx.text(k) for k in call.keywords)]
    new = f"{ctx.text(call.func)}({', '.join([ctx.text(statement.target), *rest])})"
    title = (f"Accumulate into `{ctx.text(statement.target)}` with `dst` (check: it starts from zero; the "
             "first matmul of the location overwrites it)")  # fmt: skip
    return (Fix(title, (Edit(ctx.span(statement), new),), Applicability.UNSAFE),)


def _result_allocation(
    ctx: FunctionContext, short: str, bound: dict, dtype: ast.expr | None, nl: str
) -> str | None:  # type: ignore[type-arg]
    def text(param: str) -> str | None:
        value = bound.get(param)
        return ctx.text(value) if isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)) else None

    def ndarray(shape: str, data: str, buffer: str = "sbuf") -> str:
        dtype_text = ctx.text(dtype) if dtype is not None else f"{data}.dtype"
        return f"{nl}.ndarray({shape}, dtype={dtype_text}, buffer={nl}.{buffer})"

    source = SAME_SHAPE_AS.get(short) or PER_PARTITION_SOURCE.get(short)
    data = text(source) if source is not None else None
    if short in SAME_SHAPE_AS:
        return ndarray(f"{data}.shape", data) if data is not None else None
    if short in PER_PARTITION and data is not None:
        return ndarray(f"({data}.shape[0], {PER_PARTITION[short]})", data)
    if short == "tensor_reduce":
        return _reduce_allocation(ctx, bound, text("data"), ndarray)
    if short == "tensor_partition_reduce" and text("data") is not None:
        return ndarray(f"(1,) + {text('data')}.shape[1:]", text("data"))  # type: ignore[arg-type]
    if short == "nc_matmul":
        stationary, moving = text("stationary"), text("moving")
        if stationary is None or moving is None or bound.get("is_transpose") is not None:
            return None
        shape = f"({stationary}.shape[1], {moving}.shape[1])"
        return f"{nl}.ndarray({shape}, dtype={nl}.float32, buffer={nl}.psum)"
    if short == "nc_transpose":
        data, buffer = text("data"), _transpose_buffer(ctx, bound.get("engine"))
        if data is None or buffer is None:
            return None
        return ndarray(f"({data}.shape[1], {data}.shape[0])", data, buffer)
    return None


def _reduce_allocation(
    ctx: FunctionContext,
    bound: dict,
    data: str | None,
    ndarray: Callable[[str, str], str],  # type: ignore[type-arg]
) -> str | None:
    """`tensor_reduce` over the last free axis of a 2-D tile: Beta 1 kept a `[P, 1]` result."""
    axis = bound.get("axis")
    if isinstance(axis, (ast.List, ast.Tuple)) and len(axis.elts) == 1:
        axis = axis.elts[0]
    source = allocation_of(ctx, bound.get("data"))
    rank = _rank(ctx, bound.get("data"), source)
    if data is None or rank != 2 or not is_int_literal(axis) or axis.value not in (1, -1):  # type: ignore[union-attr]
        return None
    return ndarray(f"({data}.shape[0], 1)", data)


def _rank(ctx: FunctionContext, data: ast.expr | None, source: Allocation | None) -> int | None:
    """Rank of a tile read whole or through a subscript of plain slices/indices."""
    if isinstance(data, ast.Subscript):
        index = data.slice
        elts = index.elts if isinstance(index, ast.Tuple) else [index]
        if all(isinstance(e, ast.Slice) for e in elts):
            return len(elts)
        return None
    return _allocation_rank(ctx, source)


def _allocation_rank(ctx: FunctionContext, source: Allocation | None) -> int | None:
    """Rank of an allocation's shape: a tuple, or `.shape` of another local allocation (`nl.ndarray(t.shape)`)."""
    for _ in range(8):
        shape = source.shape if source is not None else None
        if isinstance(shape, (ast.Tuple, ast.List)) and not any(
            isinstance(e, ast.Starred) for e in shape.elts
        ):
            return len(shape.elts)
        if not (
            isinstance(shape, ast.Attribute) and shape.attr == "shape" and isinstance(shape.value, ast.Name)
        ):
            return None
        source = allocations(ctx).get(shape.value.id)
    return None


def _transpose_buffer(ctx: FunctionContext, engine: ast.expr | None) -> str | None:
    """Beta 1 `nc_transpose` wrote PSUM on the Tensor engine and SBUF on the Vector engine."""
    if engine is None:
        return "psum"
    return {"nki.isa.engine.tensor": "psum", "nki.isa.engine.vector": "sbuf"}.get(
        canonical(ctx, engine) or ""
    )


@legacy(ast.Call)
def memset_with_shape(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    shape_kw = keyword(node, "shape")
    positional = bool(node.args) and isinstance(node.args[0], (ast.Tuple, ast.List))
    if called(ctx, node) != "nki.isa.memset" or not (positional or shape_kw is not None):
        return
    shape = node.args[0] if positional else shape_kw.value  # type: ignore[union-attr]
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
        and len(node.args) <= (3 if positional else 0)
        and all(k.arg == "engine" for k in extra)
    ):
        target = statement.targets[0].id
        rest = "".join(f", {ctx.text(k)}" for k in extra)
        new = (
            f"{target} = {nl}.ndarray({ctx.text(shape)}, dtype={ctx.text(dtype)}, buffer={nl}.sbuf)\n"
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
        fixes = _unwrap_par_dim(ctx, node)
        ctx.report("NKI547", node, fixes=fixes, notes=() if fixes else par_dim_notes(ctx, node))
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "mod_alloc":
        owner = canonical(ctx, node.func.value) or ""
        if owner.startswith("nki.compiler."):
            fixes = placed_buffer_fix(ctx, node)
            ctx.report("NKI547", node, fixes=fixes, notes=() if fixes else allocator_notes(ctx, node))
    elif name.startswith("nki.") and name.rsplit(".", 1)[-1] == "sb_mod":
        ctx.report("NKI547", node, notes=allocator_notes(ctx, node))


def _unwrap_par_dim(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    shape = ctx.parent(call)
    allocation = ctx.parent(shape) if shape is not None else None
    if isinstance(allocation, ast.keyword):  # `nl.ndarray(shape=(...), ...)`
        allocation = ctx.parent(allocation)
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
    if isinstance(shape, (ast.Tuple, ast.List)) and isinstance(allocation, ast.Call):
        return _fold_block_dims(ctx, call, shape, allocation)
    return ()


def _fold_block_dims(
    ctx: FunctionContext, call: ast.Call, shape: ast.Tuple | ast.List, allocation: ast.Call
) -> tuple[Fix, ...]:
    """`t = nl.ndarray((B, nl.par_dim(P), F))` used only as `t[b, ...]` → `(P, B, F)` and `t[..., b, ...]`:
    the block dimension folded into the free dimensions (nki-api.md §7), every element at the same index.
    A name allocated in several places (`if`/`else` branches) is folded when every allocation has its
    `par_dim` at the same position."""
    statement = ctx.parent(allocation)
    blocks = shape.elts.index(call)
    if (
        not isinstance(statement, ast.Assign)
        or len(statement.targets) != 1
        or not isinstance(statement.targets[0], ast.Name)
    ):
        return ()
    name = statement.targets[0].id
    shapes = _block_shapes(ctx, name, blocks)
    if shapes is None or not any(s is shape for s in shapes):
        return ()
    edits = []
    targets = {id(n) for n in walk_cached(ctx.function.node) if isinstance(n, ast.Name) and n.id == name
               and isinstance(n.ctx, ast.Store)}  # fmt: skip
    for node in walk_cached(ctx.function.node):
        if isinstance(node, ast.Name) and node.id == name and id(node) not in targets:
            edit = _folded_subscript(ctx, parent_of(ctx, node), node, blocks)
            if edit is None:
                return ()  # used whole, or not indexed by block first: keep the diagnostic only
            edits.append(edit)
    for folded in shapes:
        par_dim = folded.elts[blocks]
        assert isinstance(par_dim, ast.Call)
        dims = [ctx.text(par_dim.args[0]), *(ctx.text(e) for e in folded.elts if e is not par_dim)]
        opening, closing = ("[", "]") if isinstance(folded, ast.List) else ("(", ")")
        edits.append(Edit(ctx.span(folded), f"{opening}{', '.join(dims)}{closing}"))
    title = f"Fold the block dimension of `{name}` into its free dimensions (check: it fits a partition)"
    return (Fix(title, tuple(edits), Applicability.UNSAFE),)


def _block_shapes(ctx: FunctionContext, name: str, blocks: int) -> list[ast.Tuple | ast.List] | None:
    """The shapes of every binding of `name`, when each is an allocation with `par_dim(P)` at `blocks`."""
    shapes: list[ast.Tuple | ast.List] = []
    for node in walk_cached(ctx.function.node):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)):
            continue
        statement = parent_of(ctx, node)
        value = statement.value if isinstance(statement, ast.Assign) else None
        if (
            not isinstance(statement, ast.Assign)
            or len(statement.targets) != 1
            or statement.targets[0] is not node
        ):
            return None
        shape = argument(value, 0, "shape") if isinstance(value, ast.Call) else None
        if (
            value is None
            or (called(ctx, value) or "") not in ALLOCATORS
            or not isinstance(shape, (ast.Tuple, ast.List))
        ):
            return None
        elements = shape.elts
        par_dim = elements[blocks] if len(elements) > blocks else None
        if (
            any(isinstance(e, ast.Starred) for e in elements)
            or not isinstance(par_dim, ast.Call)
            or called(ctx, par_dim) != "nki.language.par_dim"
            or len(par_dim.args) != 1
            or par_dim.keywords
        ):
            return None
        shapes.append(shape)
    return shapes or None


def _folded_subscript(
    ctx: FunctionContext, subscript: ast.AST | None, name: ast.Name, blocks: int
) -> Edit | None:
    if not isinstance(subscript, ast.Subscript) or subscript.value is not name:
        return None
    index = subscript.slice
    elements = list(index.elts) if isinstance(index, ast.Tuple) else [index]
    if elements and isinstance(elements[-1], ast.Constant) and elements[-1].value is Ellipsis:
        elements = elements[:-1]
    heads, rest = elements[:blocks], elements[blocks:]
    if len(heads) != blocks or any(isinstance(e, (ast.Slice, ast.Starred)) for e in heads):
        return None
    if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in rest):
        return None
    texts = [ctx.text(e) for e in rest] or [":"]
    new = ", ".join([texts[0], *(ctx.text(e) for e in heads), *texts[1:]])
    return Edit(ctx.span(index), new)


# ---- index grids and masks -----------------------------------------------------------------------


@legacy(ast.Attribute)
def index_grid(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Attribute)
    if canonical(ctx, node) in ("nki.language.arange", "nki.language.mgrid"):
        fixes = grid_fix(ctx, node)
        ctx.report("NKI539", node, fixes=fixes, notes=() if fixes else grid_blocker_notes(ctx, node))


@legacy(ast.Name)
def index_grid_bare(ctx: FunctionContext, node: ast.AST) -> None:
    """`from neuronxcc.nki.language import arange` spellings."""
    assert isinstance(node, ast.Name)
    if isinstance(node.ctx, ast.Load) and canonical(ctx, node) in (
        "nki.language.arange",
        "nki.language.mgrid",
    ):
        fixes = grid_fix(ctx, node)
        ctx.report("NKI539", node, fixes=fixes, notes=() if fixes else grid_blocker_notes(ctx, node))


@legacy(ast.Call)
def mask_argument(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    mask = keyword(node, "mask")
    name = called(ctx, node) or ""
    if mask is not None and name.startswith(("nki.language.", "nki.isa.")):
        fixes = mask_fix(ctx, node, mask)
        ctx.report("NKI540", mask, fixes=fixes, notes=() if fixes else mask_notes(ctx, mask))
