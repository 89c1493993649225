"""`kernel.with_schedule([(consumer, producer_or_list), ...])` read statically from the kernel's file.

Best effort (nki-language-rules.md §2.9): a call whose receiver mentions the kernel's name
(`kernel.with_schedule(...)`, `nki.jit(kernel).with_schedule(...)`) and whose edge list is written as
literals, or as a module-level name bound once to literals. Literal pairs of the wrong shape are NKI417;
names that no instruction of the specialized program carries are NKI417 too, but only when the program is
complete (an unknown value could have hidden the instruction). Anything not literal stays silent.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.ir.program import Program
from nki_compiler.specializer.interpreter import Frame, Interpreter

Pair = tuple[str, tuple[str, ...]]


class _NotStatic(Exception):
    """The edge list is computed at run time: nothing can be said about it."""


def read_schedule(
    interp: Interpreter, module: ModuleInfo, kernel: str, program: Program, complete: bool
) -> None:
    """Fill `program.schedule` from the file's `with_schedule` calls on `kernel`; report NKI417."""
    if module.tree is None:
        return
    frame = Frame(module, {}, kernel)
    names: set[str] | None = None  # the instructions' `name=`s, gathered when a pair needs them
    for call in _schedule_calls(module.tree, kernel):
        edges = _edges_node(module.tree, call)
        if edges is None:
            continue
        try:
            pairs = _pairs(edges)
        except _NotStatic:
            continue
        for node, pair in pairs:
            if pair is None:
                interp.report("NKI417", frame, node)
                continue
            if complete:
                names = names if names is not None else {i.name for i in program.instructions() if i.name}
                if any(name not in names for name in (pair[0], *pair[1])):
                    interp.report("NKI417", frame, node)
                    continue
            program.schedule.append(pair)


def _schedule_calls(tree: ast.Module, kernel: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "with_schedule"
            and any(isinstance(n, ast.Name) and n.id == kernel for n in ast.walk(node.func.value))
        ):
            yield node


def _edges_node(tree: ast.Module, call: ast.Call) -> ast.expr | None:
    node = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "edges"), None)
    if isinstance(node, ast.Name):
        return _module_binding(tree, node.id)
    return node


def _module_binding(tree: ast.Module, name: str) -> ast.expr | None:
    """The value of a module-level name assigned exactly once (else None: not static)."""
    values = [
        stmt.value
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    ]
    return values[0] if len(values) == 1 else None


def _pairs(edges: ast.expr) -> list[tuple[ast.expr, Pair | None]]:
    """Each element with its pair (None when malformed); `_NotStatic` when something is not a literal."""
    if not isinstance(edges, (ast.List, ast.Tuple)):
        if isinstance(edges, ast.Constant):
            return [(edges, None)]
        raise _NotStatic
    return [(element, _pair(element)) for element in edges.elts]


def _pair(element: ast.expr) -> Pair | None:
    if not isinstance(element, (ast.Tuple, ast.List)):
        if isinstance(element, ast.Constant):
            return None
        raise _NotStatic
    if len(element.elts) != 2 or any(isinstance(e, ast.Starred) for e in element.elts):
        return None
    consumer, producers = element.elts
    first = _name(consumer)
    if isinstance(producers, (ast.List, ast.Tuple)):
        rest = [_name(p) for p in producers.elts]
    else:
        rest = [_name(producers)]
    if first is None or any(p is None for p in rest) or not rest:
        return None
    return first, tuple(p for p in rest if p is not None)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    raise _NotStatic
