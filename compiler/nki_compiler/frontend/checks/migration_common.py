"""Shared building blocks of the NKI5xx migration rules (nki-language-rules.md §3.6).

Legacy API names (`nl.arange`, `mask=`, `nl.par_dim`, value-returning `nisa` calls, ...) mean the same
thing wherever they appear, so checks registered with `@legacy(...)` run in kernel scope *and* in every
other function of a module (helpers that no kernel of the checked files reaches, host code that builds
and launches kernels). Checks registered with the plain `@on(...)` stay in kernel scope.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nki_compiler.diagnostics.model import Edit
from nki_compiler.frontend.checks.base import (
    FunctionContext,
    ModuleContext,
    NodeCheck,
    on,
    on_module,
)
from nki_compiler.frontend.scope import ScopeFunction
from nki_compiler.frontend.walk import parents_within, walk, walk_cached
from nki_compiler.source import Span

HOST_CHECKS: dict[type, list[NodeCheck]] = {}
ALLOCATORS = frozenset(
    {"nki.language.ndarray", "nki.language.zeros", "nki.language.ones", "nki.language.full"}
)


def legacy(*node_types: type) -> Callable[[NodeCheck], NodeCheck]:
    """Register a check for kernel scope and for every other function of the module."""

    def register(check: NodeCheck) -> NodeCheck:
        on(*node_types)(check)
        for node_type in node_types:
            HOST_CHECKS.setdefault(node_type, []).append(check)
        return check

    return register


@on_module
def legacy_outside_kernel_scope(ctx: ModuleContext) -> None:
    if ctx.module.tree is None or not _mentions_nki(ctx):
        return
    in_scope = {id(f.node) for f in ctx.scope.functions if f.module is ctx.module}
    for node in _outer_functions(ctx.module.tree):
        if id(node) not in in_scope:
            function = ScopeFunction(ctx.module, node, "host")
            function_ctx = FunctionContext(ctx.module, ctx.scope, ctx.reporter, function=function)
            ctx.run_function(function_ctx, _run_host_checks)


def _mentions_nki(ctx: ModuleContext) -> bool:
    return any(i.module.split(".")[0] in ("nki", "neuronxcc") for i in ctx.module.imports.values())


def _outer_functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield stmt
        elif isinstance(stmt, ast.ClassDef):
            yield from (s for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _run_host_checks(ctx: FunctionContext) -> None:
    ctx.parents = ctx.module.parents  # complete before any handler runs; ancestry stops at the function
    for node in walk_cached(ctx.function.node):
        checks = HOST_CHECKS.get(type(node))
        if checks:
            for check in checks:
                check(ctx, node)


# ---- names ---------------------------------------------------------------------------------------


def canonical(ctx: ModuleContext, expr: ast.expr) -> str | None:
    return ctx.module.canonical(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None


def called(ctx: ModuleContext, node: ast.AST) -> str | None:
    """Canonical name of the function a call invokes (`nki.isa.activation`), else None."""
    return canonical(ctx, node.func) if isinstance(node, ast.Call) else None


def module_alias(ctx: ModuleContext, module: str) -> str | None:
    """The local name bound to `module` (`nl` for `nki.language`), preferring the 0.6 namespace."""
    aliases = ctx.module.memo.setdefault("module_alias", {})
    if module not in aliases:
        aliases[module] = _find_module_alias(ctx, module)
    return aliases[module]


def _find_module_alias(ctx: ModuleContext, module: str) -> str | None:
    found = None
    for local in ctx.module.imports:
        name = ctx.module.canonical(ast.Name(id=local, ctx=ast.Load()))
        if name == module:
            raw = ctx.module.qualify(ast.Name(id=local, ctx=ast.Load())) or ""
            if not raw.startswith("neuronxcc."):
                return local
            found = found or local
    return found


def api_prefix(ctx: ModuleContext, call: ast.Call, module: str) -> str | None:
    """Text naming `module` for a replacement call: the call's own qualifier, else the module alias."""
    if isinstance(call.func, ast.Attribute) and canonical(ctx, call.func.value) == module:
        return ctx.text(call.func.value)
    return module_alias(ctx, module)


# ---- call arguments ------------------------------------------------------------------------------


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    """The argument bound to parameter `name` (at `position` when passed positionally)."""
    kw = keyword(call, name)
    if kw is not None:
        return kw.value
    if position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def _arguments_in_order(call: ast.Call) -> list[ast.AST]:
    items: list[ast.AST] = [*call.args, *call.keywords]
    return sorted(items, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def remove_argument(ctx: ModuleContext, call: ast.Call, item: ast.AST) -> Edit:
    """Delete one argument with the comma that separates it from its neighbour."""
    items = _arguments_in_order(call)
    at = items.index(item)
    span = ctx.span(item)
    if at > 0:
        return Edit(Span(ctx.span(items[at - 1]).end, span.end), "")
    if at + 1 < len(items):
        return Edit(Span(span.start, ctx.span(items[at + 1]).start), "")
    return Edit(span, "")


def rename_keyword(ctx: ModuleContext, kw: ast.keyword, new_name: str) -> Edit:
    start = ctx.span(kw).start
    return Edit(Span(start, start + len(kw.arg or "")), new_name)


def is_int_literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def literal_ints(node: ast.AST | None) -> tuple[int, ...] | None:
    if isinstance(node, (ast.Tuple, ast.List)) and all(is_int_literal(e) for e in node.elts):
        return tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
    return None


# ---- statements and text -------------------------------------------------------------------------


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def indentation(ctx: ModuleContext, node: ast.AST) -> str:
    text = ctx.module.source.text
    start = ctx.span(node).start
    prefix = text[line_start(text, start) : start]
    return prefix if not prefix.strip() else ""


def indent_unit(ctx: ModuleContext) -> str:
    """The file's indentation step (two spaces in many AWS samples, four elsewhere)."""
    for line in ctx.module.source.text.splitlines():
        stripped = line.lstrip(" ")
        if stripped and stripped != line and not stripped.startswith("#"):
            return " " * (len(line) - len(stripped))
    return "    "


def enclosing_statement(ctx: FunctionContext, node: ast.AST) -> ast.stmt | None:
    if isinstance(node, ast.stmt):
        return node
    return next((a for a in ctx.ancestors(node) if isinstance(a, ast.stmt)), None)


def alone_on_lines(ctx: ModuleContext, stmt: ast.stmt) -> bool:
    """True when no other statement shares the statement's first or last line (no `a; b`)."""
    text = ctx.module.source.text
    span = ctx.span(stmt)
    before = text[line_start(text, span.start) : span.start]
    end = text.find("\n", span.end)
    after = text[span.end : len(text) if end < 0 else end]
    return not before.strip() and not after.split("#")[0].strip()


@dataclass(frozen=True)
class Allocation:
    """`name = nl.ndarray(shape, dtype=..., buffer=...)`, assigned once in the function."""

    call: ast.Call
    shape: ast.expr | None
    dtype: ast.expr | None
    buffer: str | None  # canonical name, e.g. "nki.language.psum"; None = default (SBUF)


def allocations(ctx: FunctionContext) -> dict[str, Allocation]:
    """Single-assignment local allocations of the function, computed once per function."""
    cached = getattr(ctx, "_nki5_allocations", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    stores: dict[str, int] = {}
    found: dict[str, Allocation] = {}
    for node in walk_cached(ctx.function.node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        if (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and len(targets := node.targets if isinstance(node, ast.Assign) else [node.target]) == 1
            and isinstance(targets[0], ast.Name)
            and node.value is not None
            and called(ctx, node.value) in ALLOCATORS
        ):
            call = node.value
            assert isinstance(call, ast.Call)
            buffer = argument(call, 3 if called(ctx, call) == "nki.language.full" else 2, "buffer")
            found[targets[0].id] = Allocation(
                call,
                argument(call, 0, "shape"),
                argument(call, 2 if called(ctx, call) == "nki.language.full" else 1, "dtype"),
                canonical(ctx, buffer) if buffer is not None else None,
            )
    result = {name: a for name, a in found.items() if stores.get(name) == 1}
    ctx._nki5_allocations = result  # type: ignore[attr-defined]
    return result


def allocation_of(ctx: FunctionContext, expr: ast.AST | None) -> Allocation | None:
    """The local allocation an expression reads (`t` or a subscript/view of `t`)."""
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    if isinstance(expr, ast.Name):
        return allocations(ctx).get(expr.id)
    return None


def names_read_after(ctx: FunctionContext, stmt: ast.stmt) -> set[str]:
    """Names loaded anywhere in the function after the end of `stmt` (source order)."""
    end = ctx.span(stmt).end
    return {
        n.id
        for n in walk_cached(ctx.function.node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and ctx.span(n).start >= end
    }


def assigned_names(nodes: list[ast.stmt]) -> set[str]:
    return {
        n.id for stmt in nodes for n in walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def parent_of(ctx: FunctionContext, node: ast.AST) -> ast.AST | None:
    """Parent of any node of the function (the traversal's map only covers nodes visited so far)."""
    parents = getattr(ctx, "_nki5_parents", None)
    if parents is None:
        parents = parents_within(ctx.function.node)
        ctx._nki5_parents = parents  # type: ignore[attr-defined]
    return parents.get(id(node))  # type: ignore[no-any-return]


def unused_import(ctx: ModuleContext, stmt: ast.stmt) -> bool:
    """`import a.b as x` (one name) whose bound name nothing in the module reads."""
    if not isinstance(stmt, ast.Import) or len(stmt.names) != 1:
        return False
    alias = stmt.names[0]
    bound = alias.asname or alias.name.split(".")[0]
    return not any(isinstance(n, ast.Name) and n.id == bound for n in ctx.module.nodes)


def shape_elements(shape: ast.AST | None) -> list[ast.expr] | None:
    """Elements of a literal shape, through `+` of literal lists/tuples; None when not literal."""
    if isinstance(shape, (ast.Tuple, ast.List)):
        return list(shape.elts)
    if isinstance(shape, ast.BinOp) and isinstance(shape.op, ast.Add):
        left, right = shape_elements(shape.left), shape_elements(shape.right)
        return left + right if left is not None and right is not None else None
    return None
