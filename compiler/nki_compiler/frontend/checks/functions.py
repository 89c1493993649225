"""Rules on function definitions in kernel scope: nested defs, variadic parameters, decorators,
recursion, and `@nki.jit` placement (NKI009, NKI017, NKI022, NKI212, NKI217)."""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Applicability, Edit, Fix, Severity
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on, on_class, on_module
from nki_compiler.frontend.checks.facts import bindings, module_cached, runtime_bodies, walk_scope
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import ScopeClass, is_kernel_decorator
from nki_compiler.source import Span

#: Decorators NKI accepts in kernel scope besides the kernel entry points (K, Simplify.lean).
ALLOWED_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass", "staticmethod"})


def header_span(ctx: ModuleContext, node: ast.AST) -> Span:
    """The first line of a statement (for a def/class: the `def`/`class` line, decorators excluded)."""
    span = ctx.span(node)
    text = ctx.module.source.text
    end = text.find("\n", span.start, span.end)
    return span if end < 0 else Span(span.start, end)


@on(ast.FunctionDef, ast.AsyncFunctionDef)
def nested_function(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if node is ctx.function.node or id(node) in runtime_bodies(ctx.module):
        return
    severity = Severity.ERROR if ctx.options.frontend == "parser" else None
    ctx.report("NKI009", header_span(ctx, node), severity=severity)


@on(ast.FunctionDef, ast.AsyncFunctionDef)
def variadic_parameters(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if node.args.vararg is not None:
        ctx.report("NKI017", node.args.vararg)
    if node.args.kwarg is not None:
        ctx.report("NKI017", node.args.kwarg, severity=Severity.WARNING)


@on(ast.FunctionDef, ast.AsyncFunctionDef)
def function_decorators(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    _report_decorators(ctx, node.decorator_list)


@on_class
def class_decorators(ctx: ModuleContext, klass: ScopeClass) -> None:
    _report_decorators(ctx, klass.node.decorator_list)


def _report_decorators(ctx: ModuleContext, decorators: list[ast.expr]) -> None:
    for decorator in decorators:
        if _allowed_decorator(ctx, decorator):
            continue
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = ctx.text(target)
        fix = Fix(
            f"Remove the decorator `@{name}`", (_delete_decorator(ctx, decorator),), Applicability.UNSAFE
        )
        ctx.report("NKI022", decorator, name=name, fixes=(fix,))


def _allowed_decorator(ctx: ModuleContext, decorator: ast.expr) -> bool:
    if is_kernel_decorator(ctx.module, decorator):
        return True
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    canonical = ctx.module.canonical(target)
    if canonical is not None:
        # Our own namespace (nki.compiler.*, nki.jit variants) is the compiler's business, not ours.
        return canonical in ALLOWED_DECORATORS or canonical == "nki" or canonical.startswith("nki.")
    if isinstance(target, ast.Name):
        unbound = target.id not in ctx.module.definitions and target.id not in ctx.module.assignments
        return target.id == "staticmethod" and unbound
    return False


def _delete_decorator(ctx: ModuleContext, decorator: ast.expr) -> Edit:
    span = ctx.span(decorator)
    text = ctx.module.source.text
    at = text.rfind("@", 0, span.start)
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", span.end)
    if (
        text[line_start:at].strip()
        or text[span.end : line_end if line_end >= 0 else len(text)].split("#")[0].strip()
    ):
        return Edit(Span(at, span.end), "")
    return Edit(Span(line_start, len(text) if line_end < 0 else line_end + 1), "")


@on(ast.Call)
def recursive_call(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if not isinstance(node.func, ast.Name) or ctx.function.class_node is not None:
        return
    if any(
        isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))
        for a in ctx.ancestors(node)
        if a is not ctx.function.node
    ):
        return
    graph = _call_graph(ctx)
    callee = node.func.id
    caller = ctx.function.node.name
    if (
        callee in graph
        and ctx.module.definitions.get(caller) is ctx.function.node
        and _reaches(graph, callee, caller)
    ):
        ctx.report("NKI212", node, f=callee)


def _call_graph(ctx: ModuleContext) -> dict[str, set[str]]:
    return module_cached(ctx.module, "call_graph", _build_call_graph)


def _build_call_graph(module: ModuleInfo) -> dict[str, set[str]]:
    """Module-level function -> the module-level functions it calls by name (locals excluded)."""
    definitions = module.definitions
    graph: dict[str, set[str]] = {}
    for name, definition in definitions.items():
        if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        local = bindings(definition).names
        graph[name] = {
            n.func.id
            for n in walk_scope(definition)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id not in local
            and isinstance(definitions.get(n.func.id), (ast.FunctionDef, ast.AsyncFunctionDef))
        }
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen: set[str] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(graph.get(current, ()))
    return False


@on_module
def nested_jit(ctx: ModuleContext) -> None:
    parents = ctx.module.parents
    for node in ctx.module.nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
            if _inside_definition(parents, node):
                for decorator in node.decorator_list:
                    if is_kernel_decorator(ctx.module, decorator):
                        ctx.report("NKI217", decorator)


def _inside_definition(parents: dict[int, ast.AST], node: ast.AST) -> bool:
    current = parents.get(id(node))
    while current is not None:
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return True
        current = parents.get(id(current))
    return False
