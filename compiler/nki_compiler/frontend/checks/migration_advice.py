"""What the user must still write when a migration has no exact rewrite: notes for NKI558 (removed entry
points), NKI216 (Beta-1 SPMD launch grids) and NKI539 (index grids without a slice form), and NKI022 for
Beta-1 `nki.compiler.*` decorators that NKI 0.6 no longer has (`skip_middle_end_transformations`,
`enable_stack_allocator`).

A note sits on the diagnostic's own span (or on the use that blocks a rewrite) and names the 0.6 form
with the names of the user's code.
"""

from __future__ import annotations

import ast

from nki_compiler import api
from nki_compiler.diagnostics.model import Applicability, Edit, Fix, Note
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on_module
from nki_compiler.frontend.checks.migration_common import canonical, parent_of, shape_elements
from nki_compiler.source import Span

#: `nki.compiler` names that 0.6 still documents (nki-api.md §2: `nki.compiler.kernel_builder`).
COMPILER_API = ("nki.compiler.kernel_builder",)
BENCHMARK_OPTIONS = "`warmup=`, `iters=`, `save_neff_name=`, `save_trace_name=` and `.benchmark_result`"


def note(ctx: ModuleContext, where: ast.AST | Span, text: str) -> tuple[Note, ...]:
    span = where if isinstance(where, Span) else ctx.span(where)
    return (Note(text, ctx.module.path, span),)


# ---- NKI558 ----------------------------------------------------------------------------------------


def entry_point_notes(
    ctx: ModuleContext, node: ast.expr, name: str, parent: ast.AST | None
) -> tuple[Note, ...]:
    """The 0.6 replacement of a removed entry point that has no automatic rewrite here."""
    kernel = _wrapped_kernel(ctx, node, parent)
    run = f"`nki.jit({kernel})(*arrays)`" if kernel else "the `@nki.jit` kernel called with NumPy arrays"
    if name in ("nki.benchmark", "nki.profile"):
        what = "benchmarking" if name == "nki.benchmark" else "profiling"
        text = (
            f"NKI 0.6 has no `{name}`: run {run} and measure with the Neuron profiler (`neuron-profile "
            f"capture`); `nki-ls --profile FILE::KERNEL` estimates engine time without hardware. The "
            f"{what} options ({BENCHMARK_OPTIONS}) have no 0.6 counterpart: delete them with the call"
        )
    elif name == "nki.baremetal":
        text = (
            f"NKI 0.6 runs {run} on the device directly: replace `nki.baremetal` by `nki.jit` and drop its "
            "options (`save_neff_name=`, `save_trace_name=`, `additional_compile_opt=`)"
        )
    elif name == "nki.simulate_kernel":
        text = f"NKI 0.6 simulates with `nki.simulate({kernel or 'kernel'})(*arrays)`"
    else:
        text = "NKI 0.6 traces kernels with `@nki.jit`"
    return note(ctx, node, text)


def _wrapped_kernel(ctx: ModuleContext, node: ast.expr, parent: ast.AST | None) -> str | None:
    """`k` in `nki.benchmark(...)(k)` or `nki.benchmark(k, ...)`."""
    if not isinstance(parent, ast.Call) or parent.func is not node:
        return None
    outer = ctx.module.parents.get(id(parent))
    if isinstance(outer, ast.Call) and outer.func is parent and len(outer.args) == 1:
        return _plain_name(outer.args[0])
    return _plain_name(parent.args[0]) if parent.args else None


def _plain_name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


# ---- NKI539: `nl.loop_reduce` --------------------------------------------------------------------


def loop_reduce_notes(ctx: FunctionContext, call: ast.Call) -> tuple[Note, ...]:
    statement = parent_of(ctx, call)
    target = ctx.text(statement.targets[0]) if isinstance(statement, ast.Assign) else "acc"
    value = ctx.text(call.args[0]) if call.args else "x"
    op = next((ctx.text(k.value) for k in call.keywords if k.arg == "op"), None)
    op = op or (ctx.text(call.args[1]) if len(call.args) > 1 else "nl.add")
    text = (
        f"0.6 has no `nl.loop_reduce`: initialise `{target}` before the loop (e.g. `nisa.memset`), then "
        f"accumulate in the loop body with `nisa.tensor_tensor(dst={target}, data1={value}, data2={target}, "
        f"op={op})`"
    )
    return note(ctx, call, text)


# ---- NKI540 ----------------------------------------------------------------------------------------


def mask_notes(ctx: ModuleContext, mask: ast.keyword) -> tuple[Note, ...]:
    text = (
        f"0.6 has no masks: give every operand and the destination of this call the slices that "
        f"`{ctx.text(mask.value)}` keeps (`start:min(stop, bound)` on each bounded axis, partition and "
        "free), then delete `mask=`; a condition on loop variables only becomes an `if` around the call"
    )
    return note(ctx, mask, text)


# ---- NKI547 ----------------------------------------------------------------------------------------


def par_dim_notes(ctx: FunctionContext, call: ast.Call) -> tuple[Note, ...]:
    """`nl.ndarray((B, nl.par_dim(P), F))` that the fold cannot rewrite: the folded form, spelled out."""
    shape = parent_of(ctx, call)
    elements = list(shape.elts) if isinstance(shape, (ast.Tuple, ast.List)) else None
    if isinstance(shape, ast.List) and isinstance(parent_of(ctx, shape), ast.BinOp):
        elements = shape_elements(parent_of(ctx, shape))  # `[B] + [nl.par_dim(P), F]`
    partition = ctx.text(call.args[0]) if len(call.args) == 1 else "P"
    if elements is None or not any(e is call for e in elements):
        text = f"0.6 tiles have no `par_dim`: the partition dimension is the first one, `{partition}`"
        return note(ctx, call, text)
    at = next(i for i, e in enumerate(elements) if e is call)
    blocks, free = elements[:at], elements[at + 1 :]
    folded = ", ".join([partition, *(ctx.text(e) for e in blocks), *(ctx.text(e) for e in free)])
    index = ", ".join([":", *(f"b{i}" for i in range(len(blocks))), "..."])
    old = ", ".join([*(f"b{i}" for i in range(len(blocks))), "..."])
    text = (
        f"fold the block dimension into the free dimensions: allocate `({folded})` and index every use "
        f"(helpers included) as `t[{index}]` instead of `t[{old}]`; or keep a Python list of tiles of "
        f"shape `({', '.join([partition, *(ctx.text(e) for e in free)])})`"
    )
    return note(ctx, call, text)


def allocator_notes(ctx: ModuleContext, node: ast.expr) -> tuple[Note, ...]:
    text = (
        "NKI 0.6 allocates with `nl.ndarray(shape, dtype=..., buffer=nl.sbuf)` (or `nl.psum`), placed by the "
        "compiler; to pin a tile, pass `address=(partition_offset, free_offset)` (PSUM: a bank start). Delete "
        "the `mod_alloc`/`sb_mod` allocator objects and their `buffer=` uses"
    )
    return note(ctx, node, text)


# ---- NKI216 ----------------------------------------------------------------------------------------


def spmd_grid_notes(ctx: ModuleContext, bracket: ast.Subscript) -> tuple[Note, ...]:
    """`k[a, b](...)`: 0.6 has no SPMD grid; the kernel iterates over it."""
    index = bracket.slice
    sizes = index.elts if isinstance(index, ast.Tuple) else [index]
    kernel = ctx.text(bracket.value)
    if len(sizes) < 2 or any(isinstance(s, ast.Starred) for s in sizes):
        return note(ctx, bracket, f"launch `{kernel}(...)` (one core) or `{kernel}[2](...)` (LNC2)")
    if any(_mentions_nc(ctx, s) for s in sizes):
        text = (
            "NKI 0.6 has no SPMD launch grid: the `nl.nc(2)` factor becomes the LNC degree, so launch "
            f"`{kernel}[2](...)` once (`nl.program_id(0)` is then the core, 0 or 1, and `nl.num_programs()` is "
            "2); every other grid factor becomes a loop inside the kernel (`for i in range(n):` replacing that "
            "axis's `nl.program_id`), with its size passed as an argument; allocate outputs once, before the loops"
        )
        return note(ctx, bracket, text)
    texts = [ctx.text(s) for s in sizes]
    names = [f"i{axis}" for axis in range(len(sizes))]
    loops = " ".join(f"`for {n} in range({t}):`" for n, t in zip(names, texts, strict=True))
    uses = ", ".join(f"`nl.program_id({axis})` by `{n}`" for axis, n in enumerate(names))
    counts = ", ".join(f"`nl.num_programs({axis})` by `{t}`" for axis, t in enumerate(texts))
    text = (
        f"NKI 0.6 has no SPMD launch grid (the bracket is only the LNC degree, 1 or 2): launch `{kernel}(...)` "
        f"once, pass the grid sizes ({', '.join(texts)}) as arguments, and loop inside the kernel: {loops}, "
        f"replacing {uses} and {counts}; allocate outputs once, before the loops"
    )
    return note(ctx, bracket, text)


def _mentions_nc(ctx: ModuleContext, node: ast.expr) -> bool:
    return any(
        isinstance(n, ast.Call) and canonical(ctx, n.func) in ("nki.language.nc", "nki.language.spmd_dim")
        for n in ast.walk(node)
    )


# ---- NKI022: legacy `nki.compiler` decorators ------------------------------------------------------


@on_module
def legacy_compiler_decorators(ctx: ModuleContext) -> None:
    if ctx.module.tree is None:
        return
    for node in ctx.module.nodes:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = canonical(ctx, target) or ""
            if (
                name.startswith("nki.compiler.")
                and not name.startswith(COMPILER_API)
                and api.lookup(name) is None
            ):
                text = ctx.text(target)
                fix = Fix(
                    f"Remove `@{text}` (check: NKI 0.6 has no such compiler directive)",
                    (_delete_line(ctx, decorator),),
                    Applicability.UNSAFE,
                )
                ctx.report("NKI022", decorator, name=text, fixes=(fix,))


def _delete_line(ctx: ModuleContext, decorator: ast.expr) -> Edit:
    text = ctx.module.source.text
    span = ctx.span(decorator)
    at = text.rfind("@", 0, span.start)
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", span.end)
    if text[start:at].strip() or text[span.end : end if end >= 0 else len(text)].split("#")[0].strip():
        return Edit(Span(at, span.end), "")
    return Edit(Span(start, len(text) if end < 0 else end + 1), "")
