"""Statements compiled once into closures (`Executor`s): assignment, unrolled loops, compile-time `if`,
`assert`, `return`, runtime loops. Blocks are compiled per body (`Interpreter.block`), so an unrolled
loop runs its body's closures directly on every iteration."""

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
from nki_compiler.specializer.unknown_control import skip_undecided
from nki_compiler.specializer.values import (
    UNKNOWN,
    ContextManager,
    DynamicRange,
    Function,
    Instance,
    RegisterValue,
    is_unknown,
)

Executor = Callable[[Frame], None]
Assigner = Callable[[Frame, Any], None]


def compile_block(interp: Interpreter, body: list[ast.stmt]) -> tuple[Executor, ...]:
    executors = (_compile_stmt(interp, stmt) for stmt in body)
    return tuple(e for e in executors if e is not None)


def _compile_stmt(interp: Interpreter, stmt: ast.stmt) -> Executor | None:
    factory = COMPILERS.get(type(stmt))
    return factory(interp, stmt) if factory is not None else None


# -- assignment targets ------------------------------------------------------------------------------
def compile_target(interp: Interpreter, target: ast.expr) -> Assigner:
    if isinstance(target, ast.Name):
        return _name_target(interp, target)
    if isinstance(target, (ast.Tuple, ast.List)):
        return _unpacking_target(interp, target)
    if isinstance(target, ast.Subscript):
        return _subscript_target(interp, target)
    if isinstance(target, ast.Attribute):
        return _attribute_target(interp, target)
    return lambda frame, value: None


def _name_target(interp: Interpreter, target: ast.Name) -> Assigner:
    name = target.id
    where: list[Any] = [None, None]  # (module, its path and the target's span there)

    def assign(frame: Frame, value: Any) -> None:
        frame.locals[name] = value
        if frame.module is not where[0]:
            where[0], where[1] = frame.module, (frame.module.path, interp.span(frame, target))
        path, span = where[1]
        interp.builder.record(path, span, value)  # tensor facts, or compile-time scalar values

    return assign


def _unpacking_target(interp: Interpreter, target: ast.Tuple | ast.List) -> Assigner:
    elements = tuple(compile_target(interp, e) for e in target.elts)
    count = len(elements)

    def assign(frame: Frame, value: Any) -> None:
        items: Any = value
        if not (isinstance(value, (tuple, list)) and len(value) == count):
            items = [UNKNOWN] * count
        for element, item in zip(elements, items, strict=False):
            element(frame, item)

    return assign


def _subscript_target(interp: Interpreter, target: ast.Subscript) -> Assigner:
    container_evaluator, key_evaluator = interp.evaluator(target.value), interp.evaluator(target.slice)

    def assign(frame: Frame, value: Any) -> None:
        container = container_evaluator(frame)
        key = key_evaluator(frame)
        if isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container):
            container[key] = value
        elif isinstance(container, dict) and isinstance(key, (str, int)):
            container[key] = value
        elif isinstance(container, Tensor):
            from nki_compiler.specializer.python_ops import store_into_tensor

            store_into_tensor(interp, frame, target)

    return assign


def _attribute_target(interp: Interpreter, target: ast.Attribute) -> Assigner:
    owner_evaluator, attr = interp.evaluator(target.value), target.attr

    def assign(frame: Frame, value: Any) -> None:
        owner = owner_evaluator(frame)
        if isinstance(owner, Instance):
            owner.fields[attr] = value

    return assign


# -- simple statements -------------------------------------------------------------------------------
def _assign(interp: Interpreter, stmt: ast.Assign) -> Executor:
    value_evaluator = interp.evaluator(stmt.value)
    targets = tuple(compile_target(interp, t) for t in stmt.targets)
    if len(targets) == 1:
        (only,) = targets
        return lambda frame: only(frame, value_evaluator(frame))

    def execute(frame: Frame) -> None:
        value = value_evaluator(frame)
        for target in targets:
            target(frame, value)

    return execute


def _ann_assign(interp: Interpreter, stmt: ast.AnnAssign) -> Executor | None:
    if stmt.value is None:
        return None
    value_evaluator, target = interp.evaluator(stmt.value), compile_target(interp, stmt.target)
    return lambda frame: target(frame, value_evaluator(frame))


def _aug_assign(interp: Interpreter, stmt: ast.AugAssign) -> Executor:
    current_evaluator = interp.evaluator(_as_load(stmt.target))
    value_evaluator, target, op = (
        interp.evaluator(stmt.value),
        compile_target(interp, stmt.target),
        type(stmt.op),
    )

    def execute(frame: Frame) -> None:
        current = current_evaluator(frame)
        value = value_evaluator(frame)
        if isinstance(current, list) and op is ast.Add and isinstance(value, (list, tuple)):
            current.extend(value)  # `xs += [...]` mutates the list in place
            return
        if isinstance(current, Tensor) or isinstance(value, Tensor):
            from nki_compiler.specializer.python_ops import augmented_on_tensor

            augmented_on_tensor(interp, frame, stmt, current, value)
            return
        target(frame, binary(op, current, value))

    return execute


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


def _expr(interp: Interpreter, stmt: ast.Expr) -> Executor:
    return interp.evaluator(stmt.value)


def _if(interp: Interpreter, stmt: ast.If) -> Executor:
    test_evaluator = interp.evaluator(stmt.test)
    body, orelse = compile_block(interp, stmt.body), compile_block(interp, stmt.orelse)

    def execute(frame: Frame) -> None:
        test = truth(test_evaluator(frame))
        if test is UNKNOWN:
            skip_undecided(interp, frame, stmt)
            return
        for step in body if test else orelse:
            step(frame)

    return execute


def _return(interp: Interpreter, stmt: ast.Return) -> Executor:
    value = stmt.value
    if value is None:

        def execute(frame: Frame) -> None:
            raise _Return(None)

        return execute
    value_evaluator = interp.evaluator(value)

    def execute_value(frame: Frame) -> None:
        raise _Return(value_evaluator(frame))

    return execute_value


def _break(interp: Interpreter, stmt: ast.Break) -> Executor:
    def execute(frame: Frame) -> None:
        raise _Break()

    return execute


def _continue(interp: Interpreter, stmt: ast.Continue) -> Executor:
    def execute(frame: Frame) -> None:
        raise _Continue()

    return execute


def _assert(interp: Interpreter, stmt: ast.Assert) -> Executor:
    test_evaluator = interp.evaluator(stmt.test)

    def execute(frame: Frame) -> None:
        test = truth(test_evaluator(frame))
        if test is UNKNOWN or test:
            return
        message = interp.eval(frame, stmt.msg) if stmt.msg is not None else ast.unparse(stmt.test)
        text = message if isinstance(message, str) else ast.unparse(stmt.msg or stmt.test)
        interp.report("NKI218", frame, stmt, message=text)
        raise Abort()

    return execute


def _function_def(interp: Interpreter, stmt: ast.FunctionDef) -> Executor:
    def execute(frame: Frame) -> None:
        frame.locals[stmt.name] = Function(frame.module, stmt, closure=frame.locals)

    return execute


def _with(interp: Interpreter, stmt: ast.With) -> Executor:
    managers_evaluators = tuple(interp.evaluator(item.context_expr) for item in stmt.items)
    body = compile_block(interp, stmt.body)

    def execute(frame: Frame) -> None:
        managers = [m(frame) for m in managers_evaluators]
        ordered = any(isinstance(m, ContextManager) and m.name == "no_reorder" for m in managers)
        with interp.builder.no_reorder(ordered):
            for step in body:
                step(frame)

    return execute


# -- loops -------------------------------------------------------------------------------------------
def _for(interp: Interpreter, stmt: ast.For) -> Executor:
    iterable_evaluator, target = interp.evaluator(stmt.iter), compile_target(interp, stmt.target)
    body = compile_block(interp, stmt.body)
    label = ast.unparse(stmt.target) if isinstance(stmt.target, ast.Name) else "item"
    line = stmt.lineno

    def unroll(frame: Frame, items: list[Any]) -> None:
        iterations = interp.iterations
        for item in items:
            iterations.append((label, item, line))
            try:
                target(frame, item)
                for step in body:
                    step(frame)
            except _Break:
                break
            except _Continue:
                continue
            finally:
                iterations.pop()

    def execute(frame: Frame) -> None:
        iterable = iterable_evaluator(frame)
        if isinstance(iterable, DynamicRange):
            _runtime_for(interp, frame, stmt, iterable, target, body)
            return
        if isinstance(iterable, dict):
            iterable = list(iterable)
        if not isinstance(iterable, (range, list, tuple, str)):
            skip_undecided(interp, frame, stmt)
            return
        try:
            unroll(frame, list(iterable))
        except BudgetExceeded as exceeded:
            exceeded.where = exceeded.where or (frame.module, stmt)
            raise

    return execute


def _runtime_for(
    interp: Interpreter,
    frame: Frame,
    stmt: ast.For,
    spec: DynamicRange,
    target: Assigner,
    body: tuple[Executor, ...],
) -> None:
    builder = interp.builder
    register = builder.register(frozen=True)
    builder.open_body()
    target(frame, register)
    try:
        for step in body:
            step(frame)
    except (_Break, _Continue, _Return):
        pass  # rejected in runtime loops (NKI207, front end)
    step_size = spec.step if isinstance(spec.step, int) else 1
    builder.close_loop(
        Opcode.FORI_LOOP, register, spec.start, spec.stop, step_size, interp.origin(frame, stmt)
    )


def _while(interp: Interpreter, stmt: ast.While) -> Executor:
    test_evaluator, body = interp.evaluator(stmt.test), compile_block(interp, stmt.body)

    def execute(frame: Frame) -> None:
        count = 0
        limit = interp.builder.budgets.while_iterations
        while True:
            condition = test_evaluator(frame)
            if isinstance(condition, RegisterValue):
                _runtime_while(interp, frame, stmt, condition, body)
                return
            test = truth(condition)
            if test is UNKNOWN:
                skip_undecided(interp, frame, stmt)
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
                for step in body:
                    step(frame)
            except _Break:
                return
            except _Continue:
                continue
            finally:
                interp.iterations.pop()

    return execute


def _runtime_while(
    interp: Interpreter, frame: Frame, stmt: ast.While, condition: RegisterValue, body: tuple[Executor, ...]
) -> None:
    builder = interp.builder
    builder.open_body()
    try:
        for step in body:
            step(frame)
    except (_Break, _Continue, _Return):
        pass
    builder.close_loop(Opcode.WHILE_LOOP, condition, None, None, 1, interp.origin(frame, stmt), condition)


COMPILERS: dict[type, Callable[[Interpreter, Any], Executor | None]] = {
    ast.Assign: _assign, ast.AnnAssign: _ann_assign, ast.AugAssign: _aug_assign, ast.Expr: _expr, ast.If: _if,
    ast.For: _for, ast.While: _while, ast.Return: _return, ast.Break: _break, ast.Continue: _continue,
    ast.Assert: _assert, ast.FunctionDef: _function_def, ast.With: _with,
}  # fmt: skip

__all__ = ["COMPILERS", "compile_block", "compile_target", "Tensor", "is_unknown"]
