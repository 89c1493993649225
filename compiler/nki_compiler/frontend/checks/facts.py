"""What a name in kernel code holds, decided from syntax alone: a tensor, a dict, a runtime register.

A local name has a kind only when every binding of it in its function agrees: an assignment whose
value has that kind, the induction variable of a runtime loop (`for i in nl.dynamic_range(...)`, the
parameter of an `nl.fori_loop` body), or the condition parameter of an `nl.while_loop` body. Anything
else (parameters, tuple unpacking, augmented assignment) makes the kind unknown, and checks stay silent.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.walk import parents_within, register_cache, scope_nodes, walk

TENSOR = "tensor"
DICT = "dict"
LIST = "list"
TUPLE = "tuple"
STR = "str"
REGISTER = "register"
INDUCTION = "induction"  # a read-only register: the index of a runtime loop
FUNCTION = "function"

NL = "nki.language."
TENSOR_MAKERS = frozenset(
    NL + n for n in ("ndarray", "zeros", "ones", "full", "rand", "zeros_like", "empty_like")
)
REGISTER_MAKERS = frozenset({"nki.isa.register_alloc"})
FORI_LOOP = NL + "fori_loop"
WHILE_LOOP = NL + "while_loop"
DYNAMIC_RANGE = NL + "dynamic_range"
NO_REORDER = NL + "no_reorder"

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_UNKNOWN = None
T = TypeVar("T")


def is_register(kind: str | None) -> bool:
    return kind in (REGISTER, INDUCTION)


def call_name(module: ModuleInfo, node: ast.AST) -> str | None:
    """Canonical dotted name of the called function (`nl.ndarray(...)` -> `nki.language.ndarray`)."""
    if isinstance(node, ast.Call):
        return module.canonical(node.func)
    return None


def argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return None


def walk_scope(node: ast.AST) -> list[ast.AST]:
    """Nodes of a function body without descending into nested functions, lambdas or classes."""
    return scope_nodes(node)


def is_builtin(ctx: ModuleContext, node: ast.expr, name: str, function: FunctionNode | None = None) -> bool:
    """`node` is the Python builtin `name` (not shadowed by a local, a module definition or an import)."""
    if not (isinstance(node, ast.Name) and node.id == name and hasattr(builtins, name)):
        return False
    module = ctx.module
    if name in module.definitions or name in module.imports or name in module.assignments:
        return False
    return function is None or name not in bindings(function).names


def in_annotation(ctx: FunctionContext, node: ast.AST) -> bool:
    """`node` is part of a type annotation (never evaluated by NKI)."""
    child = node
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, ast.arg):
            return True
        if isinstance(ancestor, ast.AnnAssign) and ancestor.annotation is child:
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and ancestor.returns is child:
            return True
        child = ancestor
    return False


@dataclass
class Bindings:
    """Every binding of every local name of one function: the bound value, or a kind marker."""

    names: dict[str, list[ast.expr | str | None]] = field(default_factory=dict)

    def add(self, name: str, value: ast.expr | str | None) -> None:
        self.names.setdefault(name, []).append(value)


_BINDINGS_CACHE: dict[int, tuple[FunctionNode, Bindings]] = register_cache({})


def bindings(function: FunctionNode) -> Bindings:
    cached = _BINDINGS_CACHE.get(id(function))
    if cached is not None and cached[0] is function:
        return cached[1]
    result = _collect_bindings(function)
    if len(_BINDINGS_CACHE) > 4096:
        _BINDINGS_CACHE.clear()
    _BINDINGS_CACHE[id(function)] = (function, result)
    return result


def _collect_bindings(function: FunctionNode) -> Bindings:
    found = Bindings()
    arguments = function.args
    for arg in [
        *arguments.posonlyargs,
        *arguments.args,
        *arguments.kwonlyargs,
        arguments.vararg,
        arguments.kwarg,
    ]:
        if arg is not None:
            found.add(arg.arg, _UNKNOWN)
    handled: set[int] = set()
    for node in walk_scope(function):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            handled |= {id(n) for t in targets for n in walk(t) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _bind_target(found, target, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            _bind_target(found, node.target, node.value)
        elif isinstance(node, ast.AugAssign):
            _bind_target(found, node.target, None)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            _bind_target(found, node.target, "for")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name, FUNCTION if not isinstance(node, ast.ClassDef) else None)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and id(node) not in handled:
            found.add(node.id, _UNKNOWN)  # with-targets, walrus, nested unpacking
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found.add((alias.asname or alias.name).split(".")[0], _UNKNOWN)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name, _UNKNOWN)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                found.add(name, _UNKNOWN)
    return found


def _bind_target(found: Bindings, target: ast.expr, value: ast.expr | str | None) -> None:
    if isinstance(target, ast.Name):
        found.add(target.id, value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _bind_target(found, element.value if isinstance(element, ast.Starred) else element, _UNKNOWN)


class Facts:
    """Kinds of names as seen from inside one scope function (nested defs included)."""

    def __init__(self, ctx: FunctionContext) -> None:
        self.ctx = ctx
        self.module = ctx.module
        self.bodies = runtime_bodies(ctx.module)
        # Handlers run before the traversal reaches a node's children, so keep a complete parent map.
        self.parents = parents_within(ctx.function.node)

    def enclosing_functions(self, node: ast.AST) -> list[FunctionNode]:
        """Innermost first: the nested defs around `node`, then the scope function itself."""
        found: list[FunctionNode] = []
        current = self.parents.get(id(node))
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append(current)
            current = self.parents.get(id(current))
        return found or [self.ctx.function.node]

    def kind(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Name):
            return self.name_kind(node.id, node)
        return self.value_kind(node, None)

    def name_kind(self, name: str, where: ast.AST) -> str | None:
        for function in self.enclosing_functions(where):
            values = bindings(function).names.get(name)
            if values is None:
                continue
            return self._agree([self._binding_kind(function, name, v, where) for v in values])
        if (
            name in self.module.assignments
            and name not in self.module.definitions
            and name not in self.module.imports
        ):
            return self.value_kind(self.module.assignments[name], None)
        return None

    def _binding_kind(
        self, function: FunctionNode, name: str, value: ast.expr | str | None, where: ast.AST
    ) -> str | None:
        if value == "for":
            return self._for_kind(function, name)
        if value == FUNCTION:
            return FUNCTION
        if value is None:
            return self._parameter_kind(function, name)
        assert not isinstance(value, str)
        return self.value_kind(value, where)

    def _for_kind(self, function: FunctionNode, name: str) -> str | None:
        for node in walk_scope(function):
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and node.target.id == name:
                if call_name(self.module, node.iter) == DYNAMIC_RANGE:
                    return INDUCTION
                return None
        return None

    def _parameter_kind(self, function: FunctionNode, name: str) -> str | None:
        loop = self.bodies.get(id(function))
        params = [*function.args.posonlyargs, *function.args.args]
        if loop is None or not params or params[0].arg != name:
            return None
        return INDUCTION if loop == FORI_LOOP else REGISTER

    def value_kind(self, value: ast.AST | None, where: ast.AST | None) -> str | None:
        if isinstance(value, (ast.Dict, ast.DictComp)):
            return DICT
        if isinstance(value, (ast.List, ast.ListComp)):
            return LIST
        if isinstance(value, ast.Tuple):
            return TUPLE
        if isinstance(value, (ast.JoinedStr,)) or (
            isinstance(value, ast.Constant) and isinstance(value.value, str)
        ):
            return STR
        if isinstance(value, ast.Call):
            name = call_name(self.module, value)
            if name in TENSOR_MAKERS:
                return TENSOR
            if name in REGISTER_MAKERS:
                return REGISTER
            if isinstance(value.func, ast.Name) and value.func.id in ("dict", "list", "tuple", "str"):
                if is_builtin(self.ctx, value.func, value.func.id):
                    return {"dict": DICT, "list": LIST, "tuple": TUPLE, "str": STR}[value.func.id]
        return None

    @staticmethod
    def _agree(kinds: list[str | None]) -> str | None:
        first = kinds[0] if kinds else None
        return first if all(k == first for k in kinds) else None


def facts(ctx: FunctionContext) -> Facts:
    cache = ctx.__dict__.setdefault("_facts", {})
    if "facts" not in cache:
        cache["facts"] = Facts(ctx)
    return cache["facts"]


_MODULE_CACHE: dict[tuple[int, str], tuple[ast.Module, object]] = register_cache({})


def module_cached(module: ModuleInfo, key: str, compute: Callable[[ModuleInfo], T]) -> T:
    """`compute(module)`, computed once per parsed module (the tree's identity guards id() reuse)."""
    cached = _MODULE_CACHE.get((id(module), key))
    if cached is not None and cached[0] is module.tree:
        return cached[1]  # type: ignore[return-value]
    value = compute(module)
    if len(_MODULE_CACHE) > 2048:
        _MODULE_CACHE.clear()
    if module.tree is not None:
        _MODULE_CACHE[(id(module), key)] = (module.tree, value)
    return value


def runtime_bodies(module: ModuleInfo) -> dict[int, str]:
    """id() of every def passed (by name) to `nl.fori_loop`/`nl.while_loop` -> that loop's name."""
    return module_cached(module, "runtime_bodies", _all_bodies)


def _all_bodies(module: ModuleInfo) -> dict[int, str]:
    found: dict[int, str] = {}
    text = module.source.text
    # A runtime loop can only be called if its name appears in the text (attribute or imported name).
    if module.tree is not None and ("fori_loop" in text or "while_loop" in text):
        _find_bodies(module, module.tree, found)
    return found


def loop_body_argument(module: ModuleInfo, call: ast.AST) -> tuple[str, ast.expr] | None:
    """(`fori_loop`|`while_loop` canonical name, the body argument) of a runtime-loop call."""
    name = call_name(module, call)
    if name == FORI_LOOP:
        body = argument(call, 2, "body_fun")  # type: ignore[arg-type]
    elif name == WHILE_LOOP:
        body = argument(call, 1, "body_fun")  # type: ignore[arg-type]
    else:
        return None
    return (name, body) if body is not None else None


def _find_bodies(module: ModuleInfo, scope: ast.AST, found: dict[int, str]) -> None:
    local_defs = {
        n.name: n for n in walk_scope(scope) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for node in walk_scope(scope):
        loop = loop_body_argument(module, node)
        if loop is not None and isinstance(loop[1], ast.Name):
            target = local_defs.get(loop[1].id) or module.definitions.get(loop[1].id)
            if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[id(target)] = loop[0]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            _find_bodies(module, node, found)
