"""Statement execution: assignment, unrolled loops, compile-time `if`, `assert`, `return`, runtime loops."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from nki_compiler.ir.opcodes import Opcode
from nki_compiler.specializer.emit import BudgetExceeded
from nki_compiler.specializer.interpreter import (
    Abort,
    Frame,
    Interpreter,
    _Break,
    _Continue,
    _Return,
    binary,
    truth,
)  # fmt: skip
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import (
    UNKNOWN,
    ContextManager,
    DynamicRange,
    Function,
    Instance,
    RegisterValue,
    is_unknown,
)


def assign(interp: Interpreter, frame: Frame, target: ast.expr, value: Any) -> None:
    if isinstance(target, ast.Name):
        frame.locals[target.id] = value
        interp.builder.record(frame.module.path, interp.span(frame, target), value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        items: Any = value
        if isinstance(value, (tuple, list)) and len(value) == len(target.elts):
            items = value
        else:
            items = [UNKNOWN] * len(target.elts)
        for element, item in zip(target.elts, items, strict=False):
            assign(interp, frame, element, item)
    elif isinstance(target, ast.Subscript):
        container = interp.eval(frame, target.value)
        key = interp.eval(frame, target.slice)
        if isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container):
            container[key] = value
        elif isinstance(container, dict) and isinstance(key, (str, int)):
            container[key] = value
        elif isinstance(container, Tensor):
            from nki_compiler.specializer.python_ops import store_into_tensor

            store_into_tensor(interp, frame, target)
    elif isinstance(target, ast.Attribute):
        owner = interp.eval(frame, target.value)
        if isinstance(owner, Instance):
            owner.fields[target.attr] = value


def _assign(interp: Interpreter, frame: Frame, stmt: ast.Assign) -> None:
    value = interp.eval(frame, stmt.value)
    for target in stmt.targets:
        assign(interp, frame, target, value)


def _ann_assign(interp: Interpreter, frame: Frame, stmt: ast.AnnAssign) -> None:
    if stmt.value is not None:
        assign(interp, frame, stmt.target, interp.eval(frame, stmt.value))


def _aug_assign(interp: Interpreter, frame: Frame, stmt: ast.AugAssign) -> None:
    load = _as_load(stmt.target)
    current = interp.eval(frame, load)
    value = interp.eval(frame, stmt.value)
    if isinstance(current, list) and isinstance(stmt.op, ast.Add) and isinstance(value, (list, tuple)):
        current.extend(value)  # `xs += [...]` mutates the list in place
        return
    if isinstance(current, Tensor) or isinstance(value, Tensor):
        from nki_compiler.specializer.python_ops import augmented_on_tensor

        augmented_on_tensor(interp, frame, stmt, current, value)
        return
    assign(interp, frame, stmt.target, binary(type(stmt.op), current, value))


def _as_load(target: ast.expr) -> ast.expr:
    new: ast.expr
    if isinstance(target, ast.Name):
        new = ast.Name(target.id, ast.Load())
    elif isinstance(target, ast.Subscript):
        new = ast.Subscript(target.value, target.slice, ast.Load())
    elif isinstance(target, ast.Attribute):
        new = ast.Attribute(target.value, target.attr, ast.Load())
    else:
        return target
    return ast.copy_location(new, target)


def _expr(interp: Interpreter, frame: Frame, stmt: ast.Expr) -> None:
    interp.eval(frame, stmt.value)


def _if(interp: Interpreter, frame: Frame, stmt: ast.If) -> None:
    test = truth(interp.eval(frame, stmt.test))
    if test is UNKNOWN:
        interp.builder.complete = False
        return
    interp.run_block(frame, stmt.body if test else stmt.orelse)


def _for(interp: Interpreter, frame: Frame, stmt: ast.For) -> None:
    iterable = interp.eval(frame, stmt.iter)
    if isinstance(iterable, DynamicRange):
        _runtime_for(interp, frame, stmt, iterable)
        return
    if isinstance(iterable, dict):
        iterable = list(iterable)
    if not isinstance(iterable, (range, list, tuple, str)):
        interp.builder.complete = False
        return
    label = ast.unparse(stmt.target) if isinstance(stmt.target, ast.Name) else "item"
    try:
        _unroll(interp, frame, stmt, list(iterable), label)
    except BudgetExceeded as exceeded:
        exceeded.where = exceeded.where or (frame.module, stmt)
        raise


def _unroll(interp: Interpreter, frame: Frame, stmt: ast.For, items: list[Any], label: str) -> None:
    for item in items:
        interp.iterations.append((label, item, stmt.lineno))
        try:
            assign(interp, frame, stmt.target, item)
            interp.run_block(frame, stmt.body)
        except _Break:
            break
        except _Continue:
            continue
        finally:
            interp.iterations.pop()


def _runtime_for(interp: Interpreter, frame: Frame, stmt: ast.For, spec: DynamicRange) -> None:
    builder = interp.builder
    register = builder.register(frozen=True)
    builder.open_body()
    assign(interp, frame, stmt.target, register)
    try:
        interp.run_block(frame, stmt.body)
    except (_Break, _Continue, _Return):
        pass  # rejected in runtime loops (NKI207, front end)
    step = spec.step if isinstance(spec.step, int) else 1
    builder.close_loop(Opcode.FORI_LOOP, register, spec.start, spec.stop, step, interp.origin(frame, stmt))


def _while(interp: Interpreter, frame: Frame, stmt: ast.While) -> None:
    count = 0
    limit = interp.builder.budgets.while_iterations
    while True:
        condition = interp.eval(frame, stmt.test)
        if isinstance(condition, RegisterValue):
            _runtime_while(interp, frame, stmt, condition)
            return
        test = truth(condition)
        if test is UNKNOWN:
            interp.builder.complete = False
            return
        if not test:
            return
        count += 1
        if count > limit:
            exceeded = BudgetExceeded(f"compile-time `while` ran more than {limit} iterations")
            exceeded.where = (frame.module, stmt)
            raise exceeded
        interp.iterations.append(("iteration", count - 1, stmt.lineno))
        try:
            interp.run_block(frame, stmt.body)
        except _Break:
            return
        except _Continue:
            continue
        finally:
            interp.iterations.pop()


def _runtime_while(interp: Interpreter, frame: Frame, stmt: ast.While, condition: RegisterValue) -> None:
    builder = interp.builder
    builder.open_body()
    try:
        interp.run_block(frame, stmt.body)
    except (_Break, _Continue, _Return):
        pass
    builder.close_loop(Opcode.WHILE_LOOP, condition, None, None, 1, interp.origin(frame, stmt), condition)


def _return(interp: Interpreter, frame: Frame, stmt: ast.Return) -> None:
    raise _Return(interp.eval(frame, stmt.value) if stmt.value is not None else None)


def _break(interp: Interpreter, frame: Frame, stmt: ast.Break) -> None:
    raise _Break()


def _continue(interp: Interpreter, frame: Frame, stmt: ast.Continue) -> None:
    raise _Continue()


def _assert(interp: Interpreter, frame: Frame, stmt: ast.Assert) -> None:
    test = truth(interp.eval(frame, stmt.test))
    if test is UNKNOWN or test:
        return
    message = interp.eval(frame, stmt.msg) if stmt.msg is not None else ast.unparse(stmt.test)
    text = message if isinstance(message, str) else ast.unparse(stmt.msg or stmt.test)
    interp.report("NKI218", frame, stmt, message=text)
    raise Abort()


def _function_def(interp: Interpreter, frame: Frame, stmt: ast.FunctionDef) -> None:
    frame.locals[stmt.name] = Function(frame.module, stmt, closure=frame.locals)


def _with(interp: Interpreter, frame: Frame, stmt: ast.With) -> None:
    managers = [interp.eval(frame, item.context_expr) for item in stmt.items]
    ordered = any(isinstance(m, ContextManager) and m.name == "no_reorder" for m in managers)
    with interp.builder.no_reorder(ordered):
        interp.run_block(frame, stmt.body)


HANDLERS: dict[type, Callable[[Interpreter, Frame, Any], None]] = {
    ast.Assign: _assign, ast.AnnAssign: _ann_assign, ast.AugAssign: _aug_assign, ast.Expr: _expr, ast.If: _if,
    ast.For: _for, ast.While: _while, ast.Return: _return, ast.Break: _break, ast.Continue: _continue,
    ast.Assert: _assert, ast.FunctionDef: _function_def, ast.With: _with,
}  # fmt: skip

__all__ = ["HANDLERS", "assign", "Tensor", "is_unknown"]
