"""Check infrastructure: a registry of AST-node handlers and the context they report through.

A check is a function registered with `@on(ast.NodeType, ...)` (runs for each such node inside kernel
scope), `@on_class` (each class in kernel scope) or `@on_module` (each module once, host code included,
for the rows that inspect launches, imports and decorators). One traversal per function dispatches to
all node handlers, ruff-style. Checks never raise for bad input: they report diagnostics.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic, Fix, Note, Severity
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import KernelScope, ScopeClass, ScopeFunction
from nki_compiler.frontend.walk import child_nodes
from nki_compiler.source import Span

if TYPE_CHECKING:
    from nki_compiler.incremental import FunctionCache


@dataclass(frozen=True)
class CheckOptions:
    target: str = "trn2"
    frontend: str = "auto"  # auto | parser | tracer (nki-language-rules.md §0.3)
    opt_in: frozenset[str] = frozenset()  # opt-in codes explicitly enabled


@dataclass
class Reporter:
    """Collects diagnostics; one per (code, file, span)."""

    options: CheckOptions
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: set[tuple[str, str, Span]] = field(default_factory=set)

    def add(self, diagnostic: Diagnostic) -> None:
        key = (diagnostic.code, diagnostic.path, diagnostic.span)
        if key not in self._seen:
            self._seen.add(key)
            self.diagnostics.append(diagnostic)


@dataclass
class ModuleContext:
    module: ModuleInfo
    scope: KernelScope
    reporter: Reporter
    #: Results of earlier versions (`incremental.py`), reused by `run_function` when nothing changed.
    function_cache: FunctionCache | None = None

    @property
    def options(self) -> CheckOptions:
        return self.reporter.options

    def run_function(self, function: FunctionContext, check: Callable[[FunctionContext], None]) -> None:
        """`check(function)`, or its cached result from an earlier version of the same function."""
        if self.function_cache is None:
            check(function)
        else:
            self.function_cache.run(function, check)

    def span(self, node: ast.AST) -> Span:
        return self.module.span(node) or Span(0, 0)

    def span_at(self, offset: int) -> Span:
        return Span(offset, offset)

    def text(self, node: ast.AST) -> str:
        span = self.span(node)
        return self.module.source.text[span.start : span.end]

    def report(
        self,
        code: str,
        where: ast.AST | Span,
        message: str | None = None,
        fixes: tuple[Fix, ...] = (),
        severity: Severity | None = None,
        notes: tuple[Note, ...] = (),
        **params: object,
    ) -> None:
        r = rule(code)
        if r.severity is None:
            raise ValueError(f"{code} documents a change without a diagnostic")
        if r.opt_in and code not in self.options.opt_in:
            return
        span = where if isinstance(where, Span) else self.span(where)
        text = message if message is not None else r.format(**params)
        diagnostic = Diagnostic(
            code, severity or r.severity, text, self.module.path, span, notes + self.chain_notes(), fixes
        )
        self.reporter.add(diagnostic)

    def chain_notes(self) -> tuple[Note, ...]:
        return ()


@dataclass
class FunctionContext(ModuleContext):
    function: ScopeFunction = None  # type: ignore[assignment]
    parents: dict[int, ast.AST] = field(default_factory=dict)

    # `parents` may be the whole module's map: the function's own node is where ancestry stops.

    def parent(self, node: ast.AST) -> ast.AST | None:
        return None if node is self.function.node else self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        root = self.function.node
        current = None if node is root else self.parents.get(id(node))
        while current is not None:
            yield current
            current = None if current is root else self.parents.get(id(current))

    def chain_notes(self) -> tuple[Note, ...]:
        return tuple(
            Note(
                f"`{link.callee}` is in kernel scope: `{link.caller}` refers to it here", link.path, link.span
            )
            for link in self.function.chain
        )


NodeCheck = Callable[[FunctionContext, ast.AST], None]
ClassCheck = Callable[[ModuleContext, ScopeClass], None]
ModuleCheck = Callable[[ModuleContext], None]

NODE_CHECKS: dict[type, list[NodeCheck]] = {}
FUNCTION_CHECKS: list[Callable[[FunctionContext], None]] = []
CLASS_CHECKS: list[ClassCheck] = []
MODULE_CHECKS: list[ModuleCheck] = []


def on(*node_types: type) -> Callable[[NodeCheck], NodeCheck]:
    def register(check: NodeCheck) -> NodeCheck:
        for node_type in node_types:
            NODE_CHECKS.setdefault(node_type, []).append(check)
        return check

    return register


def on_function(check: Callable[[FunctionContext], None]) -> Callable[[FunctionContext], None]:
    FUNCTION_CHECKS.append(check)
    return check


def on_class(check: ClassCheck) -> ClassCheck:
    CLASS_CHECKS.append(check)
    return check


def on_module(check: ModuleCheck) -> ModuleCheck:
    MODULE_CHECKS.append(check)
    return check


def run_function_checks(ctx: FunctionContext) -> None:
    """One pre-order traversal of the function (decorators, signature and body, nested defs included)."""
    stack: list[ast.AST] = [ctx.function.node]
    while stack:
        node = stack.pop()
        for check in NODE_CHECKS.get(type(node), ()):
            check(ctx, node)
        children = child_nodes(node)
        for child in children:
            ctx.parents[id(child)] = node
        stack.extend(reversed(children))
    for function_check in FUNCTION_CHECKS:
        function_check(ctx)
