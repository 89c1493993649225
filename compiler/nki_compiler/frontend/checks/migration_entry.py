"""NKI5xx rules on imports, entry points, decorators, kernel signatures and launches (host code included).

NKI510, NKI515, NKI516, NKI527, NKI531, NKI533, NKI537, NKI552, NKI558, NKI560, NKI561.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from functools import partial

from nki_compiler.diagnostics.model import Applicability, Edit, Fix, Severity
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on_function, on_module
from nki_compiler.frontend.checks.migration_advice import allocator_notes, entry_point_notes
from nki_compiler.frontend.checks.migration_allocators import unused_allocator_fix
from nki_compiler.frontend.checks.migration_common import (
    allocations,
    alone_on_lines,
    argument,
    canonical,
    keyword,
    line_start,
    module_alias,
    remove_argument,
    unused_import,
)
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import kernel_roots, may_name
from nki_compiler.frontend.walk import walk, walk_cached
from nki_compiler.source import Span

#: Namespaces that exist under `nki` in 0.6; other `neuronxcc.nki.*` modules have no direct successor.
NEW_MODULES = frozenset(
    {"nki", "nki.language", "nki.isa", "nki.isa.constants", "nki.typing", "nki.collectives"}
)
REMOVED_ENTRY_POINTS = frozenset(
    {"nki.baremetal", "nki.benchmark", "nki.profile", "nki.simulate_kernel", "nki.trace"}
)
TORCH_JIT = frozenset({"torch_neuronx.nki_jit", "torch_neuronx.xla_impl.ops.nki_jit"})
OFF_CHIP = frozenset({"nki.language.hbm", "nki.language.private_hbm"})
MOD_ALLOCATORS = frozenset({"nki.compiler.sbuf.mod_alloc", "nki.compiler.psum.mod_alloc"})
#: NKI515/NKI560 are documented errors, yet 0.6-era corpus kernels (AWS docs examples, nki-moe) still use
#: them: until a 0.6 compiler confirms the rejection they are warnings (no false errors).
UNCONFIRMED = Severity.WARNING


# ---- imports -------------------------------------------------------------------------------------


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With)):
            yield from _module_statements(stmt.body)
            yield from _module_statements(getattr(stmt, "orelse", []))
            for handler in getattr(stmt, "handlers", []):
                yield from _module_statements(handler.body)


def _legacy(name: str) -> bool:
    return name == "neuronxcc.nki" or name.startswith("neuronxcc.nki.")


def _is_legacy_import(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return any(_legacy(a.name) for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
        if stmt.module == "neuronxcc":
            return any(a.name == "nki" for a in stmt.names)
        return _legacy(stmt.module)
    return False


def rewritten_import(stmt: ast.stmt) -> str | None:
    """The 0.6 spelling of a legacy import statement, or None when no exact rewrite exists."""
    if isinstance(stmt, ast.Import):
        parts = []
        for alias in stmt.names:
            if not _legacy(alias.name):
                parts.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
                continue
            new = alias.name[len("neuronxcc.") :]
            if alias.asname is None or new not in NEW_MODULES:
                return None  # `neuronxcc.x.y` stays the bound name, or the module has no successor
            parts.append(new if alias.asname == new else f"{new} as {alias.asname}")
        return "import " + ", ".join(parts)
    if isinstance(stmt, ast.ImportFrom) and stmt.module:
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in stmt.names)
        if stmt.module == "neuronxcc":
            if [a.name for a in stmt.names] != ["nki"]:
                return None
            return "import " + names
        new = stmt.module[len("neuronxcc.") :]
        return f"from {new} import {names}" if new in NEW_MODULES else None
    return None


def import_fix(ctx: ModuleContext, stmt: ast.stmt) -> tuple[Fix, ...]:
    if "\n" in ctx.text(stmt):
        return ()
    removed = _removed_names(ctx, stmt)
    if removed is None:
        return ()  # a name 0.6 lacks is still used: its own diagnostic comes first
    rewritten = stmt
    if removed and isinstance(stmt, ast.ImportFrom):
        kept = [a for a in stmt.names if a not in removed]
        if not kept:
            title = f"Remove the import of `{', '.join(a.name for a in removed)}` (gone in 0.6, unused)"
            return (Fix(title, (_statement_removal(ctx, stmt),)),)
        rewritten = ast.ImportFrom(module=stmt.module, names=kept, level=stmt.level)
    new = rewritten_import(rewritten)
    if new is None and unused_import(ctx, stmt):  # `import neuronxcc.nki.compiler as ncc`, no longer used
        return (Fix("Remove the unused legacy import", (_statement_removal(ctx, stmt),)),)
    if new is None:
        return ()
    return (Fix(f"Import from the `nki` namespace: `{new}`", (Edit(ctx.span(stmt), new),)),)


def _statement_removal(ctx: ModuleContext, stmt: ast.stmt) -> Edit:
    """Delete a statement alone on its line(s), with its line break."""
    text, span = ctx.module.source.text, ctx.span(stmt)
    end = text.find("\n", span.end)
    return Edit(Span(line_start(text, span.start), len(text) if end < 0 else end + 1), "")


def _removed_names(ctx: ModuleContext, stmt: ast.stmt) -> list[ast.alias] | None:
    """Names of a `from neuronxcc.nki.<module> import ...` that 0.6 removed (`par_dim`): [] when none, None
    when one is still read somewhere in the module."""
    if not isinstance(stmt, ast.ImportFrom) or not stmt.module or not stmt.module.startswith("neuronxcc.nki"):
        return []
    module = _new_module(stmt.module[len("neuronxcc.") :])
    if module is None:
        return []
    removed = [a for a in stmt.names if a.name != "*" and not hasattr(module, a.name)]
    used = {n.id for n in ctx.module.nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return None if any((a.asname or a.name) in used for a in removed) else removed


def _new_module(name: str) -> object | None:
    """Our own 0.6 `nki` module of that name (never user code), None when it has no successor."""
    import importlib

    if name not in NEW_MODULES:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@on_module
def legacy_imports(ctx: ModuleContext) -> None:
    if ctx.module.tree is None:
        return
    for stmt in _module_statements(ctx.module.tree.body):
        if _is_legacy_import(stmt):
            ctx.report("NKI537", stmt, fixes=import_fix(ctx, stmt))


@on_function
def legacy_namespace_in_kernel(ctx: FunctionContext) -> None:
    """NKI510: one diagnostic per function, at its first use of a `neuronxcc.nki` name."""
    decorators = {id(n) for d in ctx.function.node.decorator_list for n in walk(d)}
    first: ast.Name | None = None
    for node in walk_cached(ctx.function.node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in decorators:
            imported = ctx.module.imports.get(node.id)
            if imported is None or imported.node is None or not _is_legacy_import(imported.node):
                continue
            if first is None or ctx.span(node).start < ctx.span(first).start:
                first = node
    if first is None:
        return
    statement = ctx.module.imports[first.id].node
    fixes = import_fix(ctx, statement) if statement is not None else ()
    ctx.report("NKI510", first, fixes=fixes)


# ---- entry points and decorators -----------------------------------------------------------------


def _insert_import(ctx: ModuleContext, line: str) -> Edit:
    """Insert `line` after the last module-level import (or at the top)."""
    tree = ctx.module.tree
    assert tree is not None
    imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    if not imports:
        return Edit(Span(0, 0), line + "\n")
    end = ctx.span(imports[-1]).end
    return Edit(Span(end, end), "\n" + line)


def _nki_name(ctx: ModuleContext) -> tuple[str, tuple[Edit, ...]]:
    alias = module_alias(ctx, "nki")
    return (alias, ()) if alias else ("nki", (_insert_import(ctx, "import nki"),))


def isa_name(ctx: ModuleContext) -> tuple[str | None, tuple[Edit, ...]]:
    """The local name of `nki.isa`, importing it as `nisa` when the module does not (None: `nisa` is taken)."""
    alias = module_alias(ctx, "nki.isa")
    if alias is not None:
        return alias, ()
    if "nisa" in ctx.module.imports or "nisa" in ctx.module.definitions or ctx.module.tree is None:
        return None, ()
    return "nisa", (_insert_import(ctx, "import nki.isa as nisa"),)


_ENTRY_NAMES = REMOVED_ENTRY_POINTS | TORCH_JIT | MOD_ALLOCATORS | {"jax_neuronx.nki_call", "nki.tensor"}
_ENTRY_ATTRIBUTES = frozenset(name.rsplit(".", 1)[-1] for name in _ENTRY_NAMES)
_JIT = frozenset({"jit"})
#: (node, canonical name or None for an `nki.jit(...)` call, its decorator, its parent)
_Use = tuple[ast.expr, str | None, ast.expr | None, ast.AST | None]


def _entry_point_uses(module: ModuleInfo, stmt: ast.stmt) -> list[_Use]:
    """The uses `entry_points` looks at in one top-level statement (kept while the imports hold)."""
    nodes = [node for level in module.statement_walk(stmt) for node in level]
    decorators = {
        id(d.func if isinstance(d, ast.Call) else d): d
        for node in nodes
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for d in node.decorator_list
    }
    dotted = {id(node.value) for node in nodes if isinstance(node, ast.Attribute)}
    found: list[tuple[ast.expr, str | None, ast.expr | None]] = []
    for node in nodes:
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            if id(node) in dotted or not may_name(module, node, _ENTRY_ATTRIBUTES):
                continue  # only the outermost name of a dotted chain, and one that can name an entry point
            name = module.canonical(node)
            if name in _ENTRY_NAMES:
                found.append((node, name, decorators.get(id(node))))
        elif isinstance(node, ast.Call) and may_name(module, node.func, _JIT):
            if module.canonical(node.func) == "nki.jit":
                found.append((node, None, None))
    if not found:
        return []
    parents = module.statement_parents(stmt)
    return [
        (node, name, decorator, parents.get(id(node)) if name else None) for node, name, decorator in found
    ]


@on_module
def entry_points(ctx: ModuleContext) -> None:
    if ctx.module.tree is None:
        return
    key = ("entry_points", ctx.module.imports_key)
    uses = partial(_entry_point_uses, ctx.module)
    for stmt in ctx.module.tree.body:
        for node, name, decorator, parent in ctx.module.statement_fact(stmt, key, uses):
            if name is None:
                _jit_options(ctx, node)  # type: ignore[arg-type]
            elif name in REMOVED_ENTRY_POINTS:
                _removed_entry_point(ctx, node, name, decorator, parent)
            elif name in TORCH_JIT:
                prefix, edits = _nki_name(ctx)
                fix = Fix(f"Use `{prefix}.jit`", (*edits, Edit(ctx.span(node), f"{prefix}.jit")))
                ctx.report("NKI560", node, fixes=(fix,), severity=UNCONFIRMED)
            elif name == "jax_neuronx.nki_call":
                _jax_call(ctx, node, parent)
            elif name in MOD_ALLOCATORS and not _called(node, parent):
                # `sb_mod = ncc.sbuf.mod_alloc`: calls are reported where they are
                ctx.report(
                    "NKI547", node, fixes=unused_allocator_fix(ctx, node), notes=allocator_notes(ctx, node)
                )
            elif name == "nki.tensor":
                fix = Fix(
                    "Use `nki.meta.tensor`",
                    (Edit(ctx.span(node), ctx.text(node)[: -len("tensor")] + "meta.tensor"),),
                )
                ctx.report("NKI552", node, fixes=(fix,))


def _called(node: ast.expr, parent: ast.AST | None) -> bool:
    return isinstance(parent, ast.Call) and parent.func is node


def _removed_entry_point(
    ctx: ModuleContext, node: ast.expr, name: str, decorator: ast.expr | None, parent: ast.AST | None
) -> None:
    prefix = ctx.text(node)[: -len(name.rsplit(".", 1)[1])]
    fixes: tuple[Fix, ...] = ()
    if name == "nki.trace":  # the Beta-1 tracing decorator of simulator tests: `nki.jit` since 0.2
        edits = _alias_edits(ctx, parent, lambda use: Edit(ctx.span(use), f"{prefix}jit"))
        edits = edits if isinstance(parent, ast.Assign) else (Edit(ctx.span(node), f"{prefix}jit"),)
        fixes = (Fix(f"Use `{prefix}jit`", edits),) if edits else ()
    elif (
        name == "nki.simulate_kernel" and isinstance(parent, ast.Call) and parent.func is node and parent.args
    ):
        edit = _simulate_call(ctx, parent, prefix)
        fixes = (Fix(f"Use `{prefix}simulate(kernel)(...)`", (edit,)),) if edit is not None else ()
    elif name == "nki.simulate_kernel" and isinstance(parent, ast.Assign):
        fixes = _simulate_alias_fix(ctx, parent, prefix)
    elif (
        name == "nki.baremetal" and decorator is None and isinstance(parent, ast.Call) and parent.func is node
    ):
        fixes = _baremetal_call_fix(ctx, parent, prefix)
    elif decorator is not None:
        fixes = (
            Fix(
                f"Replace with `@{prefix}jit` (check: options of `{name}` are dropped; profile with the Neuron profiler)",
                (Edit(ctx.span(decorator), f"{prefix}jit"),),
                Applicability.UNSAFE,
            ),
        )
    notes = entry_point_notes(ctx, node, name, parent) if not fixes else ()
    ctx.report("NKI558", node, fixes=fixes, notes=notes)


def _baremetal_call_fix(ctx: ModuleContext, call: ast.Call, prefix: str) -> tuple[Fix, ...]:
    """`nki.baremetal(...)(kernel)`: 0.6 runs a jit kernel called with NumPy arrays the same way (nki-api.md
    §2.1), so `nki.jit(kernel)`; options such as `save_neff_name` have no 0.6 equivalent."""
    outer = ctx.module.parents.get(id(call))
    if not isinstance(outer, ast.Call) or outer.func is not call:
        return ()
    if not call.args and not call.keywords:
        return (Fix(f"Use `{prefix}jit(kernel)`", (Edit(ctx.span(call), f"{prefix}jit"),)),)
    title = f"Use `{prefix}jit(kernel)` (check: the options of `baremetal` are dropped)"
    return (Fix(title, (Edit(ctx.span(call), f"{prefix}jit"),), Applicability.UNSAFE),)


def _simulate_call(ctx: ModuleContext, call: ast.Call, prefix: str) -> Edit | None:
    """`simulate_kernel(k, *args)` → `nki.simulate(k)(*args)` (the arrays are still updated in place)."""
    first = call.args[0] if call.args else None
    if first is None or isinstance(first, ast.Starred):
        return None
    span = ctx.span(call)
    rest = ctx.module.source.text[ctx.span(first).end : span.end - 1].strip().lstrip(",").strip()
    return Edit(span, f"{prefix}simulate({ctx.text(first)})({rest})")


def _simulate_alias_fix(ctx: ModuleContext, alias: ast.Assign, prefix: str) -> tuple[Fix, ...]:
    """`simulate_kernel = nki.simulate_kernel`, used only as `simulate_kernel(k, ...)`: delete the alias and
    rewrite every call."""

    def rewrite(use: ast.Name) -> Edit | None:
        call = ctx.module.parents.get(id(use))
        if isinstance(call, ast.Call) and call.func is use:
            return _simulate_call(ctx, call, prefix)
        return None

    edits = _alias_edits(ctx, alias, rewrite)
    return (Fix(f"Call `{prefix}simulate(kernel)(...)` instead of the alias", edits),) if edits else ()


def _alias_edits(
    ctx: ModuleContext, alias: ast.AST | None, rewrite: Callable[[ast.Name], Edit | None]
) -> tuple[Edit, ...]:
    """Delete a module-level `alias = <removed entry point>` and rewrite every read of the alias; nothing
    when the alias is rebound or a use cannot be rewritten."""
    tree = ctx.module.tree
    if (
        tree is None
        or not isinstance(alias, ast.Assign)
        or alias not in tree.body
        or len(alias.targets) != 1
        or not isinstance(alias.targets[0], ast.Name)
        or not alone_on_lines(ctx, alias)
    ):
        return ()
    name, edits = alias.targets[0], []
    for node in ctx.module.nodes:
        if isinstance(node, ast.Name) and node.id == name.id and node is not name:
            edit = rewrite(node) if isinstance(node.ctx, ast.Load) else None
            if edit is None:
                return ()
            edits.append(edit)
    return (_statement_removal(ctx, alias), *edits)


def _jax_call(ctx: ModuleContext, node: ast.expr, parent: ast.AST | None) -> None:
    fixes: tuple[Fix, ...] = ()
    if (
        isinstance(parent, ast.Call)
        and parent.func is node
        and parent.args
        and not isinstance(parent.args[0], ast.Starred)
    ):
        kernel, *rest = parent.args
        new = f"{ctx.text(kernel)}({', '.join(ctx.text(a) for a in rest)})"
        title = "Call the `@nki.jit` kernel directly (check: `out_shape`/grid keywords are dropped)"
        fixes = (Fix(title, (Edit(ctx.span(parent), new),), Applicability.UNSAFE),)
    ctx.report("NKI561", node, fixes=fixes)


def _drop(ctx: ModuleContext, call: ast.Call, item: ast.keyword) -> Edit:
    """Remove one keyword; `@nki.jit(mode=...)` becomes `@nki.jit` rather than `@nki.jit()`."""
    if len(call.args) + len(call.keywords) == 1:
        return Edit(ctx.span(call), ctx.text(call.func))
    return remove_argument(ctx, call, item)


def _jit_options(ctx: ModuleContext, call: ast.Call) -> None:
    platform = keyword(call, "platform_target")
    if platform is not None:
        title = "Remove `platform_target` (set NEURON_PLATFORM_TARGET_OVERRIDE in the environment instead)"
        ctx.report(
            "NKI515", platform, fixes=(Fix(title, (_drop(ctx, call, platform),)),), severity=UNCONFIRMED
        )
    mode = keyword(call, "mode")
    if mode is not None:
        simulation = isinstance(mode.value, ast.Constant) and mode.value.value == "simulation"
        if simulation:
            fix = Fix(
                "Remove `mode` (check: launch with `nki.simulate(kernel)(...)` where it must run in the simulator)",
                (_drop(ctx, call, mode),),
                Applicability.UNSAFE,
            )
        else:
            fix = Fix("Remove `mode` (the framework is detected automatically)", (_drop(ctx, call, mode),))
        ctx.report("NKI516", mode, fixes=(fix,))


# ---- kernel signatures, launches and outputs -----------------------------------------------------


@on_module
def kernel_signatures_and_launches(ctx: ModuleContext) -> None:
    if ctx.module.tree is None:
        return
    roots = kernel_roots(ctx.module)
    for root in roots:
        _keyword_only_marker(ctx, root)
        for default in [*root.args.defaults, *root.args.kw_defaults]:
            if isinstance(default, ast.List):
                ctx.report("NKI533", default, fixes=(_tuple_fix(ctx, default),))
    names = frozenset(r.name for r in roots)
    lists = partial(_launch_lists, ctx.module, names)
    for stmt in ctx.module.tree.body:
        for value in ctx.module.statement_fact(stmt, ("launch_lists", names), lists):
            ctx.report("NKI533", value, fixes=(_tuple_fix(ctx, value),))


def _launch_lists(module: ModuleInfo, names: frozenset[str], stmt: ast.stmt) -> list[ast.List]:
    """List arguments of the calls of kernels `names` in one top-level statement."""
    return [
        value
        for level in module.statement_walk(stmt)
        for node in level
        if isinstance(node, ast.Call) and _launched_kernel(node.func) in names
        for value in [*node.args, *(k.value for k in node.keywords)]
        if isinstance(value, ast.List)
    ]


def _launched_kernel(func: ast.expr) -> str | None:
    if isinstance(func, ast.Subscript):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def _tuple_fix(ctx: ModuleContext, node: ast.List) -> Fix:
    inner = ctx.text(node)[1:-1]
    if len(node.elts) == 1 and not inner.rstrip().endswith(","):
        inner = inner.rstrip() + ","
    return Fix("Pass a tuple", (Edit(ctx.span(node), f"({inner})"),))


def _keyword_only_marker(ctx: ModuleContext, root: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    args = root.args
    if args.vararg is not None or not args.kwonlyargs:
        return
    text = ctx.module.source.text
    first = ctx.span(args.kwonlyargs[0]).start
    star = text.rfind("*", ctx.span(root).start, first)
    if star < 0:
        return
    fixes: tuple[Fix, ...] = ()
    positional_defaults = bool(args.defaults)
    if not positional_defaults or all(d is not None for d in args.kw_defaults):
        fixes = (Fix("Delete the `*` marker", (Edit(Span(star, first), ""),)),)
    ctx.report("NKI531", Span(star, star + 1), fixes=fixes)


@on_function
def kernel_outputs(ctx: FunctionContext) -> None:
    """NKI527: a kernel's returned tensors must be allocated in `nl.shared_hbm`."""
    if ctx.function.kind != "kernel":
        return
    known = allocations(ctx)
    for node in walk_cached(ctx.function.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        for value in values:
            allocation = known.get(value.id) if isinstance(value, ast.Name) else None
            if allocation is None or canonical(ctx, allocation.call.func) != "nki.language.ndarray":
                continue
            buffer = argument(allocation.call, 2, "buffer")
            # On-chip results are legal when the jit function is also used as a sub-kernel: only HBM.
            if buffer is not None and canonical(ctx, buffer) in OFF_CHIP:
                ctx.report("NKI527", value, fixes=_shared_hbm_fix(ctx, allocation))


def _shared_hbm_fix(ctx: FunctionContext, allocation: object) -> tuple[Fix, ...]:
    call = allocation.call  # type: ignore[attr-defined]
    nl = module_alias(ctx, "nki.language")
    if nl is None:
        return ()
    title = "Allocate the output in `nl.shared_hbm`"
    buffer_kw = keyword(call, "buffer")
    if buffer_kw is not None:
        edit = Edit(ctx.span(buffer_kw.value), f"{nl}.shared_hbm")
    elif len(call.args) >= 3:
        edit = Edit(ctx.span(call.args[2]), f"{nl}.shared_hbm")
    else:
        end = ctx.span(call).end - 1
        edit = Edit(Span(end, end), f", buffer={nl}.shared_hbm")
    return (Fix(title, (edit,)),)
