"""Per-function reuse of check results between analyses of successive versions of a file.

The checks of one kernel-scope function read its own text, the module's top-level environment
(imports, assignments, definition headers, the call graph, runtime-loop bodies), the kernel scope's
shape and the diagnostics already reported inside the function. All of that goes into the cache key;
diagnostics are stored relative to the start of the function's first line and rebased on reuse, with
the call-chain notes re-derived from the current scope. Results pointing outside the function's text
(a fix inserting an import, a note into another file) are never cached. Host functions (outside kernel
scope, where the migration rules still run) are cached the same way through `ModuleContext.run_function`,
and `references` keeps what each function refers to for `build_scope`.

    cache = FunctionCache()
    analyze(workspace, [module], config, function_cache=cache)  # same diagnostics as without the cache
"""

from __future__ import annotations

import ast
import bisect
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from nki_compiler.diagnostics.model import Diagnostic, Edit, Note
from nki_compiler.frontend.checks.base import FunctionContext, Reporter
from nki_compiler.frontend.checks.facts import bindings, module_cached, runtime_bodies, walk_scope
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import ReferenceCache
from nki_compiler.frontend.walk import walk_cached
from nki_compiler.source import Span

#: Entries kept over all files (a 1,500-line file has ~150 kernel-scope functions).
MAX_ENTRIES = 8192
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class _Entry:
    diagnostics: tuple[Diagnostic, ...]  # spans relative to the function's base offset, no chain notes


class _Recorder:
    """Forwards to the real reporter and remembers every diagnostic offered (duplicates included)."""

    def __init__(self, reporter: Reporter) -> None:
        self._reporter = reporter
        self.offered: list[Diagnostic] = []

    @property
    def options(self):  # noqa: ANN201  (the reporter's CheckOptions)
        return self._reporter.options

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._reporter.diagnostics

    def add(self, diagnostic: Diagnostic) -> None:
        self.offered.append(diagnostic)
        self._reporter.add(diagnostic)


class FunctionCache:
    """Check results per kernel-scope function, reused when nothing they read has changed."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self._limit = limit
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._callees: dict[str, frozenset[str]] = {}  # definition text -> names it calls (locals excluded)
        #: What each function refers to, by its text, for `build_scope` (valid whatever else changes).
        self.references = ReferenceCache(limit)
        # The diagnostics reported so far in the current analysis, by path, sorted by span.
        self._reported: tuple[Reporter | None, int, dict[str, list[tuple[int, int, str]]]] = (None, 0, {})
        self.hits = 0
        self.misses = 0

    def forget_other_files(self, path: str) -> None:
        """Another file's text may change what this file's names resolve to: keep only `path`'s results."""
        for key in [k for k in self._entries if k[0] != path]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
        self._callees.clear()
        self._reported = (None, 0, {})

    def run(self, ctx: FunctionContext, check: Callable[[FunctionContext], None]) -> None:
        """`check(ctx)`, or the replay of its earlier result when the key matches."""
        base, end = _extent(ctx)
        key = _key(
            ctx,
            base,
            end,
            self._environment(ctx),
            self._reported_within(ctx.reporter, ctx.module.path, base, end),
        )
        entry = self._entries.get(key) if key is not None else None
        if key is not None and entry is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            chain = ctx.chain_notes()
            for diagnostic in entry.diagnostics:
                ctx.reporter.add(_rebase(diagnostic, base, chain))
            return
        self.misses += 1
        recorder = _Recorder(ctx.reporter)
        ctx.reporter = recorder  # type: ignore[assignment]
        try:
            check(ctx)
        finally:
            ctx.reporter = recorder._reporter
        stored = _store(ctx, recorder.offered, base, end) if key is not None else None
        if key is not None and stored is not None:
            self._entries[key] = stored
            if len(self._entries) > self._limit:
                self._entries.popitem(last=False)

    def _reported_within(self, reporter: Reporter, path: str, base: int, end: int) -> tuple:
        """(code, start, end), relative to `base`, of what this analysis reported inside [base, end) so far."""
        owner, count, by_path = self._reported
        if owner is not reporter:
            count, by_path = 0, {}
        diagnostics = reporter.diagnostics
        for diagnostic in diagnostics[count:]:
            span = diagnostic.span
            bisect.insort(by_path.setdefault(diagnostic.path, []), (span.start, span.end, diagnostic.code))
        self._reported = (reporter, len(diagnostics), by_path)
        spans = by_path.get(path, [])
        first = bisect.bisect_left(spans, (base,))
        last = bisect.bisect_left(spans, (end + 1,))
        return tuple(
            (code, start - base, stop - base) for start, stop, code in spans[first:last] if stop <= end
        )

    def _environment(self, ctx: FunctionContext) -> str:
        """Digest of what every function's checks may read outside their own text (once per analysis)."""
        module = ctx.module
        cached = module.memo.get("incremental_environment")
        if cached is not None and cached[0] is ctx.scope:
            return cached[1]
        assert module.tree is not None
        parts: list[str] = [repr(ctx.reporter.options)]
        for statement in module.tree.body:
            parts.append(
                _header(ctx, statement) if isinstance(statement, _DEFS) else _segment(ctx, statement)
            )
        graph = module_cached(module, "call_graph", self._call_graph)
        parts.append(repr(sorted((name, sorted(callees)) for name, callees in graph.items())))
        parts.append(repr(_scope_shape(ctx)))
        digest = _digest("\x00".join(parts))
        module.memo["incremental_environment"] = (ctx.scope, digest)
        return digest

    def _call_graph(self, module: ModuleInfo) -> dict[str, set[str]]:
        """The graph of `functions._build_call_graph`, from per-definition results cached by their text."""
        if len(self._callees) > self._limit:
            self._callees.clear()
        definitions = module.definitions
        graph: dict[str, set[str]] = {}
        for name, definition in definitions.items():
            if not isinstance(definition, _DEFS):
                continue
            text = _full_text(module, definition)
            callees = self._callees.get(text)
            if callees is None:
                callees = self._callees[text] = _called_names(definition)
            graph[name] = {c for c in callees if isinstance(definitions.get(c), _DEFS)}
        return graph


def _extent(ctx: FunctionContext) -> tuple[int, int]:
    """From the start of the function's first line (decorators included) to the end of its last line."""
    text = ctx.module.source.text
    node = ctx.function.node
    first = min([node, *node.decorator_list], key=lambda n: (n.lineno, n.col_offset))
    start = ctx.span(first).start
    stop = ctx.span(node).end
    base = text.rfind("\n", 0, start) + 1
    newline = text.find("\n", stop)
    return base, len(text) if newline < 0 else newline + 1


def _key(ctx: FunctionContext, base: int, end: int, environment: str, inside: tuple) -> tuple | None:
    function = ctx.function
    module = ctx.module
    text = module.source.text
    node = function.node
    klass = _digest(_segment(ctx, function.class_node)) if function.class_node is not None else None
    return (
        module.path,
        environment,
        text[base:end],
        function.kind,
        tuple((link.callee, link.caller, link.path) for link in function.chain),
        klass,
        module.definitions.get(node.name) is node,
        _loop_bodies(module, node),
        inside,
    )


def _scope_shape(ctx: FunctionContext) -> tuple:
    scope = ctx.scope
    functions = sorted((f.module.path, f.name, f.kind) for f in scope.functions)
    classes = sorted((c.module.path, c.node.name) for c in scope.classes)
    # Checks consult `jit_functions` only for the module's own top-level definitions.
    jit = sorted(name for name, d in ctx.module.definitions.items() if id(d) in scope.jit_functions)
    return (functions, classes, jit)


def _loop_bodies(module: ModuleInfo, node: ast.AST) -> tuple:
    bodies = runtime_bodies(module)
    if not bodies:
        return ()
    return tuple(bodies.get(id(n)) for n in walk_cached(node) if isinstance(n, _DEFS))


def _header(ctx: FunctionContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """Decorators and signature: the text before the body."""
    first = min([node, *node.decorator_list], key=lambda n: (n.lineno, n.col_offset))
    start = ctx.span(first).start
    body = ctx.span(node.body[0]).start
    return ctx.module.source.text[start:body]


def _full_text(module: ModuleInfo, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    first = min([node, *node.decorator_list], key=lambda n: (n.lineno, n.col_offset))
    start, stop = module.span(first), module.span(node)
    return module.source.text[start.start : stop.end] if start and stop else ast.dump(node)


def _called_names(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    local = bindings(definition).names
    return frozenset(
        n.func.id
        for n in walk_scope(definition)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id not in local
    )


def _segment(ctx: FunctionContext, node: ast.AST) -> str:
    span = ctx.span(node)
    return ctx.module.source.text[span.start : span.end]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _store(ctx: FunctionContext, offered: list[Diagnostic], base: int, end: int) -> _Entry | None:
    """The offered diagnostics made relative to `base`; None when one cannot be reused safely."""
    path = ctx.module.path
    chain = ctx.chain_notes()
    relative: list[Diagnostic] = []
    for diagnostic in offered:
        notes = diagnostic.notes
        if chain:
            if notes[len(notes) - len(chain) :] != chain:
                return None
            notes = notes[: len(notes) - len(chain)]
        if diagnostic.path != path or any(note.path != path for note in notes):
            return None
        spans = [
            diagnostic.span,
            *(n.span for n in notes),
            *(e.span for f in diagnostic.fixes for e in f.edits),
        ]
        if any(not (base <= s.start and s.end <= end) for s in spans):
            return None  # points at text the key does not cover
        relative.append(_shift(replace(diagnostic, notes=notes), -base))
    return _Entry(tuple(relative))


def _rebase(diagnostic: Diagnostic, base: int, chain: tuple[Note, ...]) -> Diagnostic:
    shifted = _shift(diagnostic, base)
    return replace(shifted, notes=shifted.notes + chain) if chain else shifted


def _shift(diagnostic: Diagnostic, delta: int) -> Diagnostic:
    def move(span: Span) -> Span:
        return Span(span.start + delta, span.end + delta)

    return replace(
        diagnostic,
        span=move(diagnostic.span),
        notes=tuple(replace(n, span=move(n.span)) for n in diagnostic.notes),
        fixes=tuple(
            replace(f, edits=tuple(Edit(move(e.span), e.new_text) for e in f.edits)) for f in diagnostic.fixes
        ),
    )
