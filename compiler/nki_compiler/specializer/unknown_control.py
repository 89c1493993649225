"""Control flow the specializer cannot decide: an `if` on an Unknown test, a `for` over an Unknown iterable,
a `while` on an Unknown condition.

The skipped statements may or may not have run, so everything they could have changed becomes Unknown
(names they bind, fields and containers they store into, fields a method they call assigns on `self`), and
when they could have returned, the enclosing function's result is Unknown too. Keeping the values from
before the statement instead would let a later `assert` or shape check fail on a value the kernel never
had (a false error, ARCHITECTURE.md invariant 4).
"""

from __future__ import annotations

import ast
from typing import Any

from nki_compiler.specializer.interpreter import Frame, Interpreter, _Return
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import UNKNOWN, Instance

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def skip_undecided(interp: Interpreter, frame: Frame, stmt: ast.If | ast.For | ast.While) -> None:
    """The body of `stmt` was not run because its condition is Unknown: the program is incomplete."""
    interp.builder.complete = False
    if isinstance(stmt, ast.For):
        _forget_target(frame, stmt.target)
    nodes = _nodes([*stmt.body, *stmt.orelse])
    # the skipped code may have written any tensor it names: no 'read before written' (NKI320) for them
    named = [frame.locals[n.id] for n in nodes if isinstance(n, ast.Name) and n.id in frame.locals]
    _mark_written(interp, named)
    for node in nodes:
        _forget(frame, node)
    if any(isinstance(node, ast.Return) for node in nodes):
        raise _Return(UNKNOWN)


def _nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of `body`, not descending into nested function or class bodies."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, _SCOPES):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _forget(frame: Frame, node: ast.AST) -> None:
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            _forget_target(frame, target)
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        _forget_target(frame, node.optional_vars)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        frame.locals[node.name] = UNKNOWN
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        _forget_receiver(frame, node.func)


def _forget_target(frame: Frame, target: ast.expr) -> None:
    if isinstance(target, ast.Name):
        frame.locals[target.id] = UNKNOWN
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _forget_target(frame, element)
    elif isinstance(target, ast.Starred):
        _forget_target(frame, target.value)
    elif isinstance(target, ast.Attribute):
        owner = _local(frame, target.value)
        if isinstance(owner, Instance):
            owner.fields[target.attr] = UNKNOWN
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        if isinstance(frame.locals.get(target.value.id), (list, dict)):
            frame.locals[target.value.id] = UNKNOWN  # a tensor store changes no compile-time value


def _forget_receiver(frame: Frame, method: ast.Attribute) -> None:
    """`xs.append(...)` may change the list; `obj.update(...)` may assign fields of `obj`."""
    receiver = _local(frame, method.value)
    if isinstance(receiver, (list, dict)) and isinstance(method.value, ast.Name):
        frame.locals[method.value.id] = UNKNOWN
    elif isinstance(receiver, Instance):
        function = receiver.cls.methods.get(method.attr)
        if function is None:
            return
        for name in _self_fields(function.node):
            receiver.fields[name] = UNKNOWN


def _self_fields(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    params = definition.args.args
    if not params:
        return set()
    self_name = params[0].arg
    return {
        node.attr
        for node in ast.walk(definition)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == self_name
    }


def _local(frame: Frame, node: ast.expr) -> Any:
    """The value of a plain name or a chain of attributes on one, without evaluating anything else."""
    if isinstance(node, ast.Name):
        return frame.locals.get(node.id, UNKNOWN)
    if isinstance(node, ast.Attribute):
        owner = _local(frame, node.value)
        return owner.fields.get(node.attr, UNKNOWN) if isinstance(owner, Instance) else UNKNOWN
    return UNKNOWN


def unknown_call(interp: Interpreter, args: list[Any], kwargs: dict[str, Any]) -> None:
    """A call of something we cannot resolve (a function of an absent module, a method of an Unknown value):
    it may emit instructions and write any tensor it is given, so the program is incomplete and those
    tensors count as written (no NKI320 'read before written' for them)."""
    interp.builder.complete = False
    _mark_written(interp, [*args, *kwargs.values()])


def _mark_written(interp: Interpreter, values: list[Any]) -> None:
    """Every tensor reachable from `values` (through containers and object fields) counts as written."""
    pending = list(values)
    seen: set[int] = set()
    while pending:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, Tensor):
            interp.builder.written.add(value.storage.id)
        elif isinstance(value, (tuple, list)):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, Instance):
            pending.extend(value.fields.values())
