"""Kernel scope (nki-language-rules.md §1.1): `@nki.jit` roots and everything they reach statically.

A function is in kernel scope when it is a root, or when a function in scope names it (calls it, passes
it as a value, instantiates its class, or annotates a parameter with its class). Names are resolved in
the same module and across project modules by their import statements; unresolvable names are skipped,
never guessed. Each function is visited once, with the shortest call chain from a root.

The names a function refers to depend only on its text: `ReferenceCache` keeps them per function text,
so after an edit only the edited function is walked again; resolving them is always redone.
"""

from __future__ import annotations

import ast
import hashlib
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from functools import partial

from nki_compiler.frontend.modules import Definition, ModuleInfo
from nki_compiler.frontend.walk import walk_cached
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.source import Span

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: Decorators / wrapper calls that make a function an NKI kernel (current and legacy spellings).
KERNEL_ENTRY_POINTS = frozenset(
    {
        "nki.jit",
        "nki.compiler.kernel_builder.compile_kernel",
        "nki.baremetal",
        "nki.benchmark",
        "nki.profile",
        "nki.simulate_kernel",
        "torch_neuronx.nki_jit",
        "torch_neuronx.xla_impl.ops.nki_jit",
    }
)
_WRAPPERS = KERNEL_ENTRY_POINTS | {"nki.simulate"}


@dataclass(frozen=True)
class CallLink:
    """`caller` names the next function of the chain at `span` in `path`."""

    caller: str
    callee: str
    path: str
    span: Span


@dataclass
class ScopeFunction:
    module: ModuleInfo
    node: FunctionNode
    kind: str  # "kernel" | "helper" | "method"
    chain: tuple[CallLink, ...] = ()
    class_node: ast.ClassDef | None = None

    @property
    def name(self) -> str:
        if self.class_node is not None:
            return f"{self.class_node.name}.{self.node.name}"
        return self.node.name


@dataclass
class ScopeClass:
    module: ModuleInfo
    node: ast.ClassDef
    chain: tuple[CallLink, ...]


@dataclass
class KernelScope:
    functions: list[ScopeFunction] = field(default_factory=list)
    classes: list[ScopeClass] = field(default_factory=list)
    jit_functions: set[int] = field(default_factory=set)  # id() of every jit-decorated def seen

    def in_file(self, path: str) -> list[ScopeFunction]:
        return [f for f in self.functions if f.module.path == path]


def decorator_target(module: ModuleInfo, decorator: ast.expr) -> str | None:
    expr = decorator.func if isinstance(decorator, ast.Call) else decorator
    return module.canonical(expr)


def is_kernel_decorator(module: ModuleInfo, decorator: ast.expr) -> bool:
    return decorator_target(module, decorator) in KERNEL_ENTRY_POINTS


def kernel_roots(module: ModuleInfo) -> list[FunctionNode]:
    """Module-level functions that are kernels: decorated, or wrapped by `nki.jit(f)` somewhere."""
    if module.tree is None:
        return []
    if "kernel_roots" not in module.memo:
        module.memo["kernel_roots"] = _find_kernel_roots(module)
    return list(module.memo["kernel_roots"])


def _find_kernel_roots(module: ModuleInfo) -> list[FunctionNode]:
    assert module.tree is not None
    roots: list[FunctionNode] = []
    for node in module.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            is_kernel_decorator(module, d) for d in node.decorator_list
        ):
            roots.append(node)
    wrapped: set[str] = set()
    key = ("wrapped_kernels", module.imports_key)
    for stmt in module.tree.body:
        wrapped.update(module.statement_fact(stmt, key, partial(_wrapped_names, module)))
    for name in sorted(wrapped):
        definition = module.definitions.get(name)
        if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) and definition not in roots:
            roots.append(definition)
    return roots


def _wrapped_names(module: ModuleInfo, stmt: ast.stmt) -> frozenset[str]:
    """`f` of every `nki.jit(f)`-style call in a top-level statement."""
    return frozenset(
        call.args[0].id
        for level in module.statement_walk(stmt)
        for call in level
        if isinstance(call, ast.Call)
        and call.args
        and isinstance(call.args[0], ast.Name)
        and may_name(module, call.func, _WRAPPER_ATTRIBUTES)
        and module.canonical(call.func) in _WRAPPERS
    )


_WRAPPER_ATTRIBUTES = frozenset(name.rsplit(".", 1)[-1] for name in _WRAPPERS)


def may_name(module: ModuleInfo, expr: ast.expr, last_parts: frozenset[str]) -> bool:
    """False when `module.canonical(expr)` cannot end with one of `last_parts`: a cheap test before it.
    A dotted name ends with its own last attribute; a plain name is canonical only when imported."""
    if isinstance(expr, ast.Attribute):
        return expr.attr in last_parts
    return isinstance(expr, ast.Name) and expr.id in module.imports


def local_names(node: FunctionNode) -> set[str]:
    """Names bound inside a function (parameters and assignment targets), which shadow globals."""
    names = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
    if node.args.vararg:
        names.add(node.args.vararg.arg)
    if node.args.kwarg:
        names.add(node.args.kwarg.arg)
    for child in walk_cached(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            names.add(child.name)
    return names


#: A module-level name a function refers to: `name`, or `name.attr` (`attr` set), where `name` is not
#: bound locally; with the span of the reference relative to the start of the function's first line
#: (start -1: the node has no position).
Reference = tuple[str, str | None, int, int]


class ReferenceCache:
    """The references of each function, in traversal order, first occurrence only, by a digest of the
    function's text (the texts of every open file's functions would be too many to keep)."""

    def __init__(self, limit: int = 8192) -> None:
        self._limit = limit
        self._entries: OrderedDict[bytes, tuple[Reference, ...]] = OrderedDict()

    def references(self, module: ModuleInfo, node: FunctionNode) -> tuple[int, tuple[Reference, ...]]:
        """(base offset, references) of a function of `module`."""
        first = min([node, *node.decorator_list], key=lambda n: (n.lineno, n.col_offset))
        start, stop = module.span(first), module.span(node)
        if start is None or stop is None:
            return 0, function_references(module, node, 0)
        text = module.source.text
        base = text.rfind("\n", 0, start.start) + 1
        key = hashlib.blake2b(text[base : stop.end].encode("utf-8", "surrogatepass"), digest_size=16).digest()
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = function_references(module, node, base)
            if len(self._entries) > self._limit:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return base, found


def function_references(module: ModuleInfo, node: FunctionNode, base: int) -> tuple[Reference, ...]:
    """What `_ScopeBuilder` resolves in a function; a repeated reference resolves to the same target,
    which is then already reached, so only the first one counts."""
    bound = local_names(node)
    found: dict[tuple[str, str | None], Reference] = {}
    for child in walk_cached(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id not in bound:
            key: tuple[str, str | None] = (child.id, None)
        elif (
            isinstance(child, ast.Attribute)
            and isinstance(child.ctx, ast.Load)
            and isinstance(child.value, ast.Name)
            and child.value.id not in bound
        ):
            key = (child.value.id, child.attr)
        else:
            continue
        if key not in found:
            span = module.span(child)
            start, end = (span.start - base, span.end - base) if span is not None else (-1, -1)
            found[key] = (key[0], key[1], start, end)
    return tuple(found.values())


class _ScopeBuilder:
    def __init__(self, workspace: Workspace, references: ReferenceCache | None = None) -> None:
        self.workspace = workspace
        self.references = references or ReferenceCache()
        self.scope = KernelScope()
        self.seen: set[int] = set()
        self.queue: deque[ScopeFunction] = deque()
        # The workspace does not change while the scope is built: resolve each name once.
        self.resolved: dict[tuple[str, str, str | None], tuple[ModuleInfo, Definition] | None] = {}

    def add_roots(self, module: ModuleInfo) -> None:
        for root in kernel_roots(module):
            self._enqueue(ScopeFunction(module, root, "kernel"))

    def _enqueue(self, function: ScopeFunction) -> None:
        if id(function.node) in self.seen:
            return
        self.seen.add(id(function.node))
        self.scope.functions.append(function)
        self.queue.append(function)

    def run(self) -> KernelScope:
        while self.queue:
            self._visit(self.queue.popleft())
        return self.scope

    def _visit(self, function: ScopeFunction) -> None:
        module = function.module
        base, references = self.references.references(module, function.node)
        for name, attr, start, end in references:
            target = self._resolve(module, name, attr)
            if target is not None:
                span = Span(base + start, base + end) if start >= 0 else Span(0, 0)
                link = CallLink(function.name, target[1].name, module.path, span)
                self._reach(target[0], target[1], (*function.chain, link))

    def _resolve(
        self, module: ModuleInfo, name: str, attr: str | None
    ) -> tuple[ModuleInfo, Definition] | None:
        key = (module.path, name, attr)
        if key in self.resolved:
            return self.resolved[key]
        if attr is None:
            target = self.workspace.resolve_name(module, name)
        else:
            load = ast.Load()
            target = self.workspace.resolve_attribute(module, ast.Attribute(ast.Name(name, load), attr, load))
        self.resolved[key] = target
        return target

    def _reach(self, module: ModuleInfo, definition: Definition, chain: tuple[CallLink, ...]) -> None:
        if isinstance(definition, ast.ClassDef):
            if id(definition) in self.seen:
                return
            self.seen.add(id(definition))
            self.scope.classes.append(ScopeClass(module, definition, chain))
            for stmt in definition.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._enqueue(ScopeFunction(module, stmt, "method", chain, definition))
            return
        if any(is_kernel_decorator(module, d) for d in definition.decorator_list):
            self.scope.jit_functions.add(id(definition))
            if not chain or id(definition) in self.seen:
                return
        self._enqueue(ScopeFunction(module, definition, "helper", chain))


def build_scope(
    workspace: Workspace, modules: list[ModuleInfo], references: ReferenceCache | None = None
) -> KernelScope:
    """The kernel scope of `modules`; `references` may be kept across versions (it is keyed by text)."""
    builder = _ScopeBuilder(workspace, references)
    for module in modules:
        builder.add_roots(module)
    for module in modules:
        for node in decorated_functions(module):
            if any(is_kernel_decorator(module, d) for d in node.decorator_list):
                builder.scope.jit_functions.add(id(node))
    return builder.run()


def decorated_functions(module: ModuleInfo) -> list[FunctionNode]:
    """Every function of the module with a decorator, at any depth. Only the top-level statements whose
    text holds an `@` can hold a nested one (a definition's own decorators precede its span), so only
    those are walked."""
    if module.tree is None:
        return []
    found: list[FunctionNode] = []
    for statement in module.tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.decorator_list:
            found.append(statement)
        found += module.statement_fact(statement, "nested_decorated", partial(_nested_decorated, module))
    return found


def _nested_decorated(module: ModuleInfo, statement: ast.stmt) -> list[FunctionNode]:
    span = module.span(statement)
    if span is not None and module.source.text.find("@", span.start, span.end) < 0:
        return []
    return [
        n
        for level in module.statement_walk(statement)[1:]
        for n in level
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.decorator_list
    ]
