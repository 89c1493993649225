"""NKI5xx rules on `nisa`/`nl` call signatures and constants changed in NKI 0.2–0.6.

Renamed/removed parameters (NKI519, NKI523, NKI525, NKI526, NKI550, NKI551, NKI553, NKI555), argument
order (NKI522, NKI524, NKI557), enum and buffer spellings (NKI528, NKI529, NKI530, NKI559), constants
(NKI512, NKI513), removed APIs (NKI511, NKI556) and the rules that need locally known allocations
(NKI506, NKI507, NKI509, NKI517, NKI518, NKI520, NKI521, NKI534).
"""

from __future__ import annotations

import ast
import functools
import inspect
import math

from nki_compiler.diagnostics.model import Applicability, Edit, Fix, Severity
from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import (
    allocation_of,
    alone_on_lines,
    api_prefix,
    argument,
    called,
    canonical,
    indentation,
    is_int_literal,
    keyword,
    legacy,
    literal_ints,
    module_alias,
    remove_argument,
    rename_keyword,
)
from nki_compiler.frontend.checks.migration_constants import psum_result
from nki_compiler.frontend.checks.migration_entry import isa_name
from nki_compiler.frontend.checks.migration_iota import affine_select_fix, iota_fix
from nki_compiler.frontend.walk import walk_cached
from nki_compiler.source import Span

ENUM_VALUES = {
    "dge_mode": {0: "unknown", 1: "swdge", 2: "hwdge", 3: "none"},
    "engine": {0: "unknown", 1: "tensor", 2: "scalar", 3: "gpsimd", 4: "dma", 5: "vector", 6: "sync"},
    "oob_mode": {0: "error", 1: "skip"},
    "reduce_cmd": {0: "idle", 1: "reset", 2: "reduce", 3: "reset_reduce", 4: "load_reduce"},
    "dma_engine": {1: "dma", 2: "gpsimd_dma"},
}
BUFFERS = frozenset({"sbuf", "psum", "hbm", "private_hbm", "shared_hbm"})
OLD_ENGINES = {"tensor_engine": "tensor", "vector_engine": "vector", "scalar_engine": "scalar",
               "gpsimd_engine": "gpsimd", "unknown_engine": "unknown"}  # fmt: skip
INT_DTYPES = frozenset(f"nki.language.{t}" for t in ("int8", "int16", "int32", "uint8", "uint16", "uint32"))
FP32_MIN = -3.4028235e38


@functools.cache
def _isa_signature(name: str) -> inspect.Signature | None:
    """The 0.6 signature of `nki.isa.<op>` from our own `nki` package (never user code)."""
    import nki.isa

    function = getattr(nki.isa, name.rsplit(".", 1)[-1], None) if name.startswith("nki.isa.") else None
    try:
        return inspect.signature(function) if callable(function) else None
    except (TypeError, ValueError):
        return None


# ---- constants -----------------------------------------------------------------------------------


@legacy(ast.Attribute)
def legacy_constant(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Attribute)
    name = canonical(ctx, node)
    if name is None or isinstance(ctx.parent(node), ast.Attribute) and name == "nki.isa.dma_engine":
        return
    head = ctx.text(node.value)
    if name == "nki.language.tile_size.total_available_sbuf_size":
        fix = Fix(
            "Use `sbuf_fmax_bytes` (same per-partition value)",
            (Edit(ctx.span(node), f"{head}.sbuf_fmax_bytes"),),
        )
        ctx.report("NKI512", node, fixes=(fix,))
    elif name == "nki.language.tile_size.psum_fmax":
        ctx.report(
            "NKI513",
            node,
            fixes=(Fix("Use `psum_bank_fmax`", (Edit(ctx.span(node), f"{head}.psum_bank_fmax"),)),),
        )
    elif name.startswith("nki.isa.") and node.attr in OLD_ENGINES and name.count(".") == 2:
        new = f"{head}.engine.{OLD_ENGINES[node.attr]}"
        ctx.report("NKI559", node, fixes=(Fix(f"Use `{new}`", (Edit(ctx.span(node), new),)),))
    elif name == "nki.isa.dma_engine":
        ctx.report("NKI530", node)


# ---- call signatures -----------------------------------------------------------------------------


@legacy(ast.Call)
def changed_signature(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = called(ctx, node)
    if name is None or not name.startswith("nki."):
        return
    short = name.rsplit(".", 1)[-1]
    _enum_and_buffer_values(ctx, node, name)
    if name.startswith("nki.isa."):
        _isa_keywords(ctx, node, name)
    handler = _BY_NAME.get(short)
    if handler is not None and name.startswith(("nki.isa.", "nki.collectives.", "nki.language.")):
        handler(ctx, node)


def _enum_and_buffer_values(ctx: FunctionContext, call: ast.Call, name: str) -> None:
    nisa = api_prefix(ctx, call, "nki.isa") if name.startswith("nki.isa.") else module_alias(ctx, "nki.isa")
    for kw in call.keywords:
        if (
            kw.arg in ENUM_VALUES
            and is_int_literal(kw.value)
            and (name.startswith(("nki.isa.", "nki.collectives.")))
        ):
            member = ENUM_VALUES[kw.arg].get(kw.value.value)  # type: ignore[attr-defined]
            fixes: tuple[Fix, ...] = ()
            if member is not None and nisa is not None:
                new = f"{nisa}.{kw.arg}.{member}"
                fixes = (Fix(f"Use `{new}`", (Edit(ctx.span(kw.value), new),)),)
            ctx.report("NKI528", kw.value, fixes=fixes, enum=kw.arg, member=member or "<member>")
    buffer = keyword(call, "buffer")
    if buffer is None and name == "nki.language.ndarray" and len(call.args) > 2:
        buffer_value: ast.expr | None = call.args[2]
    else:
        buffer_value = buffer.value if buffer is not None else None
    if isinstance(buffer_value, ast.Constant) and isinstance(buffer_value.value, str):
        nl = module_alias(ctx, "nki.language")
        fixes = ()
        if nl is not None and buffer_value.value in BUFFERS:
            new = f"{nl}.{buffer_value.value}"
            fixes = (Fix(f"Use `{new}`", (Edit(ctx.span(buffer_value), new),)),)
        ctx.report("NKI529", buffer_value, fixes=fixes)


def _isa_keywords(ctx: FunctionContext, call: ast.Call, name: str) -> None:
    signature = _isa_signature(name)
    dtype = keyword(call, "dtype")
    if dtype is not None and signature is not None and "dtype" not in signature.parameters:
        fix = Fix(
            "Remove `dtype` (the output dtype is the dtype of `dst`)", (remove_argument(ctx, call, dtype),)
        )
        ctx.report("NKI553", dtype, fixes=(fix,))
    flag = keyword(call, "psumAccumulateFlag")
    if flag is not None:
        ctx.report(
            "NKI550", flag, fixes=(Fix("Remove `psumAccumulateFlag`", (remove_argument(ctx, call, flag),)),)
        )
    zero = keyword(call, "is_moving_zero")
    if zero is not None:
        fix = Fix("Rename to `is_moving_onezero`", (rename_keyword(ctx, zero, "is_moving_onezero"),))
        ctx.report("NKI551", zero, fixes=(fix,))


def _register_move(ctx: FunctionContext, call: ast.Call) -> None:
    imm = keyword(call, "imm")
    if imm is not None:
        ctx.report("NKI525", imm, fixes=(Fix("Rename `imm` to `src`", (rename_keyword(ctx, imm, "src"),)),))


def _permute_rank_id(ctx: FunctionContext, call: ast.Call) -> None:
    channels = keyword(call, "num_channels")
    if channels is not None:
        ctx.report(
            "NKI526", channels, fixes=(Fix("Remove `num_channels`", (remove_argument(ctx, call, channels),)),)
        )


def _sendrecv(ctx: FunctionContext, call: ast.Call) -> None:
    flag = keyword(call, "use_gpsimd_dma")
    if flag is None:
        return
    nisa = module_alias(ctx, "nki.isa")
    fixes: tuple[Fix, ...] = ()
    if nisa is not None and isinstance(flag.value, ast.Constant) and isinstance(flag.value.value, bool):
        member = "gpsimd_dma" if flag.value.value else "dma"
        fixes = (
            Fix(
                f"Use `dma_engine={nisa}.dma_engine.{member}`",
                (Edit(ctx.span(flag), f"dma_engine={nisa}.dma_engine.{member}"),),
            ),
        )
    ctx.report("NKI523", flag, fixes=fixes)


def _is_nl_function(ctx: FunctionContext, node: ast.expr) -> bool:
    name = canonical(ctx, node)
    return name is not None and name.startswith("nki.language.") and name.rsplit(".", 1)[-1][:1].islower()


def _positional_texts(ctx: FunctionContext, call: ast.Call) -> list[str] | None:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    return [ctx.text(a) for a in call.args]


def _rebuilt(ctx: FunctionContext, call: ast.Call, positional: list[str], extra: list[str]) -> Edit:
    keywords = [ctx.text(k) for k in call.keywords]
    return Edit(ctx.span(call), f"{ctx.text(call.func)}({', '.join(positional + keywords + extra)})")


def _dma_compute(ctx: FunctionContext, call: ast.Call) -> None:
    args = _positional_texts(ctx, call)
    if args is None or len(call.args) != 4 or not _is_nl_function(ctx, call.args[3]):
        return
    fix = Fix(
        "Pass `reduce_op` third and `scales=` by keyword",
        (_rebuilt(ctx, call, [args[0], args[1], args[3]], [f"scales={args[2]}"]),),
    )
    ctx.report("NKI522", call, fixes=(fix,))


def _number(node: ast.expr) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    return None


def _affine_select(ctx: FunctionContext, call: ast.Call) -> None:
    pred = keyword(call, "pred")
    if pred is not None:
        ctx.report("NKI555", pred, fixes=affine_select_fix(ctx, call, pred))
    args = _positional_texts(ctx, call)
    if (
        args is None
        or len(call.args) != 6
        or keyword(call, "offset") is not None
        or _is_nl_function(ctx, call.args[5])
    ):
        return
    fix_edit = _rebuilt(ctx, call, [args[0], args[1], *args[3:]], [f"offset={args[2]}"])
    if _number(call.args[5]) is not None:
        ctx.report("NKI524", call, fixes=(Fix("Move the third argument into `offset=`", (fix_edit,)),))
    else:
        title = "Move the third argument into `offset=` (check: the call used the pre-0.3 argument order)"
        fix = Fix(title, (fix_edit,), Applicability.UNSAFE)
        ctx.report("NKI524", call, fixes=(fix,), severity=Severity.WARNING)


def _stream_shuffle(ctx: FunctionContext, call: ast.Call) -> None:
    args = _positional_texts(ctx, call)
    if args is None or len(args) < 2 or keyword(call, "dst") is not None or keyword(call, "src") is not None:
        return
    names = ["src", "dst", "shuffle_mask"]
    if len(args) > len(names):
        return
    keywords = [f"{n}={a}" for n, a in zip(names, args, strict=False)]
    title = "Pass `src`/`dst`/`shuffle_mask` by keyword (check: the call used the pre-0.2 order `src, dst`)"
    fix = Fix(title, (_rebuilt(ctx, call, [], keywords),), Applicability.UNSAFE)
    ctx.report("NKI557", call, fixes=(fix,))


def _dma_copy(ctx: FunctionContext, call: ast.Call) -> None:
    rmw = keyword(call, "dst_rmw_op")
    dst, src = argument(call, 0, "dst"), argument(call, 1, "src")
    if rmw is not None:
        ctx.report("NKI519", rmw, fixes=_dma_compute_fix(ctx, call, rmw, dst, src))
    source = allocation_of(ctx, src)
    if (source is not None and source.buffer == "nki.language.psum") or psum_result(ctx, src):
        ctx.report("NKI517", src, fixes=_stage_in_sbuf_fix(ctx, call, src))  # type: ignore[arg-type]
    mode = keyword(call, "dge_mode")
    target = allocation_of(ctx, dst)
    if mode is None or source is None or target is None or source.dtype is None or target.dtype is None:
        return
    raw_mode = mode.value.value if isinstance(mode.value, ast.Constant) else None
    hwdge = canonical(ctx, mode.value) == "nki.isa.dge_mode.hwdge" or (
        is_int_literal(mode.value) and raw_mode == 2
    )
    src_type, dst_type = _dtype_name(ctx, source.dtype), _dtype_name(ctx, target.dtype)
    if hwdge and src_type and dst_type and src_type != dst_type and src is not None:
        new = f"{ctx.text(src)}.view({ctx.text(target.dtype)})"
        ctx.report(
            "NKI518", src, fixes=(Fix(f"Reinterpret the source: `{new}`", (Edit(ctx.span(src), new),)),)
        )


def _store(ctx: FunctionContext, call: ast.Call) -> None:
    """`nl.store(dst, value=<PSUM tile>)`: a DMA, which cannot read PSUM either (nki-api.md §3.2)."""
    value = argument(call, 1, "value")
    source = allocation_of(ctx, value)
    in_psum = source is not None and source.buffer == "nki.language.psum"
    if value is not None and (in_psum or psum_result(ctx, value)):
        ctx.report("NKI517", value, fixes=_stage_in_sbuf_fix(ctx, call, value))


def _stage_in_sbuf_fix(ctx: FunctionContext, call: ast.Call, value: ast.expr) -> tuple[Fix, ...]:
    """Copy the PSUM tile to a new SBUF tile with `nisa.tensor_copy` first, then DMA that tile."""
    statement = ctx.parent(call)
    (nisa, imports), nl = isa_name(ctx), module_alias(ctx, "nki.language")
    root = value
    while isinstance(root, ast.Subscript):
        root = root.value
    if (
        not isinstance(statement, ast.Expr)
        or not isinstance(root, ast.Name)
        or nisa is None
        or nl is None
        or not alone_on_lines(ctx, statement)
    ):
        return ()
    staged = _unused_name(ctx, f"{root.id}_sbuf")
    text, indent = ctx.text(value), indentation(ctx, statement)
    before = (f"{staged} = {nl}.ndarray({text}.shape, dtype={text}.dtype, buffer={nl}.sbuf)\n"
              f"{indent}{nisa}.tensor_copy({staged}, {text})\n{indent}")  # fmt: skip
    start = ctx.span(statement).start
    edits = (*imports, Edit(Span(start, start), before), Edit(ctx.span(value), staged))
    return (Fix(f"Copy `{text}` to SBUF with `{nisa}.tensor_copy` first", edits),)


def _unused_name(ctx: FunctionContext, wanted: str) -> str:
    taken = {n.id for n in walk_cached(ctx.function.node) if isinstance(n, ast.Name)} | set(
        ctx.module.definitions
    )
    name, counter = wanted, 1
    while name in taken:
        counter += 1
        name = f"{wanted}{counter}"
    return name


def _dtype_name(ctx: FunctionContext, expr: ast.expr) -> str | None:
    return canonical(ctx, expr)


def _dma_compute_fix(
    ctx: FunctionContext, call: ast.Call, rmw: ast.keyword, dst: ast.expr | None, src: ast.expr | None
) -> tuple[Fix, ...]:
    nisa = api_prefix(ctx, call, "nki.isa")
    allowed = {"dst", "src", "dst_rmw_op", "unique_indices"}
    if nisa is None or dst is None or src is None or canonical(ctx, rmw.value) != "nki.language.add":
        return ()
    if len(call.args) > 2 or any(k.arg not in allowed for k in call.keywords):
        return ()
    unique = keyword(call, "unique_indices")
    extra = f", unique_indices={ctx.text(unique.value)}" if unique is not None else ""
    new = f"{nisa}.dma_compute({ctx.text(dst)}, [{ctx.text(src)}, {ctx.text(dst)}], reduce_op={ctx.text(rmw.value)}{extra})"
    return (Fix("Use `nisa.dma_compute` (dst = src + dst)", (Edit(ctx.span(call), new),)),)


def _memset(ctx: FunctionContext, call: ast.Call) -> None:
    value = argument(call, 1, "value")
    target = allocation_of(ctx, argument(call, 0, "dst"))
    if target is None or target.dtype is None or _dtype_name(ctx, target.dtype) not in INT_DTYPES:
        return
    if isinstance(value, ast.Constant) and type(value.value) is float:
        fixes: tuple[Fix, ...] = ()
        if math.isfinite(value.value) and value.value.is_integer():
            fixes = (Fix(f"Use `{int(value.value)}`", (Edit(ctx.span(value), str(int(value.value))),)),)
        ctx.report("NKI520", value, fixes=fixes)


def _tensor_reduce(ctx: FunctionContext, call: ast.Call) -> None:
    axis = argument(call, 3, "axis")
    data = argument(call, 2, "data")
    source = allocation_of(ctx, data) if data is not None and not isinstance(data, ast.Subscript) else None
    shape = literal_ints(source.shape) if source is not None else None
    if not isinstance(axis, ast.Constant) or not is_int_literal(axis) or axis.value != 1:
        return
    if shape is None or len(shape) < 3:
        return
    last = len(shape) - 1
    fix = Fix(
        f"Use axis {last} (check: the pre-0.3 meaning of axis 1 was the last free dim)",
        (Edit(ctx.span(axis), str(last)),),
        Applicability.UNSAFE,
    )
    ctx.report("NKI521", axis, fixes=(fix,), ndim_1=last)


def _rsqrt(ctx: FunctionContext, call: ast.Call) -> None:
    if call.args:
        source = allocation_of(ctx, call.args[0])
        if source is not None and source.buffer == "nki.language.psum":
            ctx.report("NKI506", call)


def _dma_transpose(ctx: FunctionContext, call: ast.Call) -> None:
    dst, src = allocation_of(ctx, argument(call, 0, "dst")), allocation_of(ctx, argument(call, 1, "src"))
    if dst is None or src is None or isinstance(argument(call, 0, "dst"), ast.Subscript):
        return
    dst_shape, src_shape = literal_ints(dst.shape), literal_ints(src.shape)
    if dst_shape is not None and src_shape is not None and len(dst_shape) < len(src_shape):
        ctx.report("NKI509", call)


def _range_select(ctx: FunctionContext, call: ast.Call) -> None:
    value = keyword(call, "on_false_value")
    number = _number(value.value) if value is not None else None
    if value is not None and number is not None and number != FP32_MIN:
        ctx.report("NKI534", value)


def _removed_copy(ctx: FunctionContext, call: ast.Call) -> None:
    ctx.report("NKI511", call.func)


def _iota(ctx: FunctionContext, call: ast.Call) -> None:
    first = call.args[0] if call.args else None
    legacy_form = keyword(call, "expr") is not None or keyword(call, "dtype") is not None
    if (
        legacy_form
        or isinstance(first, (ast.BinOp, ast.Call))
        or (isinstance(first, ast.Subscript) and isinstance(first.value, ast.Call))
    ):
        ctx.report("NKI556", call, fixes=iota_fix(ctx, call))


_BY_NAME = {
    "register_move": _register_move,
    "collective_permute_implicit_current_processing_rank_id": _permute_rank_id,
    "sendrecv": _sendrecv,
    "dma_compute": _dma_compute,
    "affine_select": _affine_select,
    "nc_stream_shuffle": _stream_shuffle,
    "dma_copy": _dma_copy,
    "store": _store,
    "memset": _memset,
    "tensor_reduce": _tensor_reduce,
    "rsqrt": _rsqrt,
    "dma_transpose": _dma_transpose,
    "range_select": _range_select,
    "tensor_copy_dynamic_src": _removed_copy,
    "tensor_copy_dynamic_dst": _removed_copy,
    "iota": _iota,
}


@legacy(ast.Call)
def reshape_count(ctx: FunctionContext, node: ast.AST) -> None:
    """NKI507: `t.reshape(shape)` on a locally allocated tensor must keep the element count."""
    assert isinstance(node, ast.Call)
    if not isinstance(node.func, ast.Attribute) or node.func.attr != "reshape" or len(node.args) != 1:
        return
    source = allocation_of(ctx, node.func.value) if isinstance(node.func.value, ast.Name) else None
    old = literal_ints(source.shape) if source is not None else None
    new = literal_ints(node.args[0])
    if old is not None and new is not None and math.prod(old) != math.prod(new):
        ctx.report("NKI507", node, a=math.prod(old), b=math.prod(new))
