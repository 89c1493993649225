"""Rules on kernels calling and launching kernels: sub-kernels with `@nki.jit` (NKI109), launch
brackets inside kernels (NKI110) and on the host (NKI216), host calls without arguments (NKI112), and
kernel arguments that NKI cannot take (NKI102, NKI104 at host launches)."""

from __future__ import annotations

import ast
from functools import partial

from nki_compiler.diagnostics.model import Applicability, Edit, Fix, Note, Severity
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on, on_module
from nki_compiler.frontend.checks.calls import NL_EQUIVALENT, NUMPY_DTYPES, library_alias
from nki_compiler.frontend.checks.facts import bindings, call_name, module_cached
from nki_compiler.frontend.checks.migration_advice import spmd_grid_notes
from nki_compiler.frontend.checks.values import INT32_MAX, INT32_MIN, _fold
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import KERNEL_ENTRY_POINTS, is_kernel_decorator
from nki_compiler.source import Span

_LAUNCH_WRAPPERS = KERNEL_ENTRY_POINTS | {"nki.simulate", "nki.cpu_simulate"}


def _jit_definitions(module: ModuleInfo) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level kernels by name: `@nki.jit` defs and `name = nki.jit(f)` wrappers."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for name, definition in module.definitions.items():
        if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            is_kernel_decorator(module, d) for d in definition.decorator_list
        ):
            found[name] = definition
    for name, value in module.assignments.items():
        if isinstance(value, ast.Call) and module.canonical(value.func) in KERNEL_ENTRY_POINTS and value.args:
            wrapped = value.args[0]
            target = module.definitions.get(wrapped.id) if isinstance(wrapped, ast.Name) else None
            if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[name] = target
    return found


def _jit_kernels(module: ModuleInfo) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return module_cached(module, "jit_kernels", _jit_definitions)


def _decorated_jit(ctx: ModuleContext, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    definition = ctx.module.definitions.get(name)
    if (
        isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef))
        and id(definition) in ctx.scope.jit_functions
    ):
        return definition
    return None


def _unshadowed_name(ctx: FunctionContext, node: ast.expr) -> str | None:
    if isinstance(node, ast.Name) and node.id not in bindings(ctx.function.node).names:
        if not any(
            isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.id in bindings(a).names
            for a in ctx.ancestors(node)
        ):
            return node.id
    return None


@on(ast.Call)
def jit_subkernel_call(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    func = node.func.value if isinstance(node.func, ast.Subscript) else node.func
    name = _unshadowed_name(ctx, func)
    definition = _decorated_jit(ctx, name) if name else None
    if definition is None or definition is ctx.function.node:
        return
    fixes: tuple[Fix, ...] = ()
    decorators = [d for d in definition.decorator_list if is_kernel_decorator(ctx.module, d)]
    if len(decorators) == 1:
        edit = _delete_line_of(ctx, decorators[0])
        fixes = (Fix(f"Remove `@nki.jit` from `{name}` (wrap its standalone launches as `nki.jit({name})(...)`)",
                     (edit,), Applicability.UNSAFE),)  # fmt: skip
    # A warning, not the catalogue's error: valid 0.6 nki-library kernels call `@nki.jit` helpers.
    ctx.report("NKI109", func, f=name, fixes=fixes, severity=Severity.WARNING)


def _delete_line_of(ctx: ModuleContext, decorator: ast.expr) -> Edit:
    text = ctx.module.source.text
    span = ctx.span(decorator)
    at = text.rfind("@", 0, span.start)
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", span.end)
    return Edit(Span(start, len(text) if end < 0 else end + 1), "")


@on(ast.Call)
def bracket_launch_in_kernel(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if not isinstance(node.func, ast.Subscript):
        return
    launched = node.func.value
    name = _unshadowed_name(ctx, launched)
    is_kernel = name is not None and (
        name in _jit_kernels(ctx.module) or _decorated_jit(ctx, name) is not None
    )
    if is_kernel or call_name(ctx.module, launched) in _LAUNCH_WRAPPERS:
        fix = Fix("Drop the launch bracket", (Edit(ctx.span(node.func), ctx.text(launched)),))
        ctx.report("NKI110", node.func, fixes=(fix,))


def _launched_kernel(ctx: ModuleContext, func: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    if isinstance(func, ast.Name):
        return _jit_kernels(ctx.module).get(func.id)
    return None


def _launches(module: ModuleInfo, kernels: dict, stmt: ast.stmt) -> list[tuple[ast.Call, bool]]:  # type: ignore[type-arg]
    """(call, launches a kernel of the module by name) of the launches in one top-level statement."""
    found: list[tuple[ast.Call, bool]] = []
    for level in module.statement_walk(stmt):
        for node in level:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            bracket = func if isinstance(func, ast.Subscript) else None
            target = bracket.value if bracket is not None else func
            wrapped = call_name(module, target) in _LAUNCH_WRAPPERS
            kernel = isinstance(target, ast.Name) and target.id in kernels
            if kernel or wrapped and bracket is not None:
                found.append((node, kernel))
    return found


def _in_scope(ctx: ModuleContext, stmt: ast.stmt, node: ast.AST, functions: set[int]) -> bool:
    parents = ctx.module.statement_parents(stmt)
    current: ast.AST | None = node
    while current is not None:
        if id(current) in functions:
            return True
        current = parents.get(id(current))
    return False


@on_module
def host_launches(ctx: ModuleContext) -> None:
    """Launches outside kernel scope; the launches of each top-level statement are kept with it."""
    if ctx.module.tree is None:
        return
    kernels = _jit_kernels(ctx.module)
    in_scope = {id(f.node) for f in ctx.scope.in_file(ctx.module.path)}
    key = ("host_launches", ctx.module.imports_key, tuple(sorted(kernels)))
    launches = partial(_launches, ctx.module, kernels)
    for stmt in ctx.module.tree.body:
        for node, kernel in ctx.module.statement_fact(stmt, key, launches):
            if in_scope and _in_scope(ctx, stmt, node, in_scope):
                continue
            _host_launch(ctx, kernels, node, kernel)


def _host_launch(ctx: ModuleContext, kernels: dict, node: ast.Call, kernel: bool) -> None:  # type: ignore[type-arg]
    bracket = node.func if isinstance(node.func, ast.Subscript) else None
    target = bracket.value if bracket is not None else node.func
    if bracket is not None:
        _check_bracket(ctx, bracket)
    if kernel and not node.args and not node.keywords:
        ctx.report("NKI112", node, k=ctx.text(target), notes=_no_parameters_note(ctx, kernels, target))
    if kernel:
        _check_arguments(ctx, node)


def _no_parameters_note(ctx: ModuleContext, kernels: dict, target: ast.expr) -> tuple[Note, ...]:  # type: ignore[type-arg]
    """What to do instead: the data a parameterless kernel creates itself must come from the host."""
    definition = kernels.get(target.id) if isinstance(target, ast.Name) else None
    if definition is None or definition.args.args or definition.args.vararg or definition.args.kwonlyargs:
        return ()
    message = (f"`{definition.name}` takes no parameters: NKI 0.6 kernels take at least one argument; pass the "
               "data it creates itself (e.g. an `nl.rand` input) as an HBM tensor argument from the host")  # fmt: skip
    header = ctx.span(definition)
    name_at = ctx.module.source.text.find(definition.name, header.start)
    return (Note(message, ctx.module.path, Span(name_at, name_at + len(definition.name))),)


def _check_bracket(ctx: ModuleContext, bracket: ast.Subscript) -> None:
    index = bracket.slice
    fix: Fix | None = None
    if isinstance(index, ast.Tuple):
        others = [e for e in index.elts if not (isinstance(e, ast.Constant) and e.value == 1)]
        if len(others) == 1 and isinstance(others[0], ast.Constant) and others[0].value in (1, 2):
            fix = Fix(f"Use `[{others[0].value}]`", (Edit(ctx.span(index), str(others[0].value)),))
        elif not others:
            fix = Fix("Use `[1]`", (Edit(ctx.span(index), "1"),))
    elif isinstance(index, ast.Constant):
        if not isinstance(index.value, int) or isinstance(index.value, bool) or index.value in (1, 2):
            return
    elif isinstance(index, ast.Call) and call_name(ctx.module, index) in (
        "nki.language.nc",
        "nki.language.spmd_dim",
    ):
        degree = index.args[0] if len(index.args) == 1 and not index.keywords else None
        if (
            call_name(ctx.module, index) == "nki.language.nc"
            and isinstance(degree, ast.Constant)
            and degree.value in (1, 2)
        ):
            fix = Fix(f"Use `[{degree.value}]`", (Edit(ctx.span(index), str(degree.value)),))
    else:
        return
    ctx.report(
        "NKI216", bracket, fixes=(fix,) if fix else (), notes=() if fix else spmd_grid_notes(ctx, bracket)
    )


def _check_arguments(ctx: ModuleContext, call: ast.Call) -> None:
    for value in [*call.args, *(k.value for k in call.keywords)]:
        folded = _fold(value)
        if folded is not None and not INT32_MIN <= folded <= INT32_MAX:
            ctx.report("NKI102", value, v=folded)
        if isinstance(value, ast.Attribute) and ctx.module.canonical(value) == f"numpy.{value.attr}":
            if value.attr in NUMPY_DTYPES:
                alias = library_alias(ctx, "nki.language")
                fixes: tuple[Fix, ...] = ()
                if alias and value.attr in NL_EQUIVALENT:
                    new = f"{alias}.{NL_EQUIVALENT[value.attr]}"
                    fixes = (Fix(f"Use `{new}`", (Edit(ctx.span(value), new),)),)
                ctx.report("NKI104", value, t=value.attr, fixes=fixes)
