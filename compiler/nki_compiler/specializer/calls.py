"""Calls: user functions are inlined (defaults, keywords, closures), classes instantiated, builtins and
`nl`/`nisa` APIs dispatched."""

from __future__ import annotations

import ast
import functools
from typing import Any

from nki_compiler.specializer.builtins import BUILTIN_TYPES, BUILTINS, MATH_FUNCTIONS
from nki_compiler.specializer.classes import instantiate
from nki_compiler.specializer.emit import BudgetExceeded
from nki_compiler.specializer.interpreter import PAR_DIM, Frame, Interpreter, PyMethod, TensorMethod, _Return
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import (
    UNKNOWN,
    BoundMethod,
    Builtin,
    ClassValue,
    Function,
    Instance,
    InstructionHandle,
    ParDim,
    is_unknown,
)  # fmt: skip


def apply(
    interp: Interpreter, frame: Frame, callee: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call
) -> Any:
    if isinstance(callee, Function):
        return call_function(interp, frame, callee, args, kwargs, node)
    if isinstance(callee, BoundMethod):
        return call_function(interp, frame, callee.function, [callee.receiver, *args], kwargs, node)
    if isinstance(callee, ClassValue):
        return instantiate(interp, frame, callee, args, kwargs, node)
    if isinstance(callee, Instance) and "__call__" in callee.cls.methods:
        return call_function(interp, frame, callee.cls.methods["__call__"], [callee, *args], kwargs, node)
    if isinstance(callee, Builtin):
        return _builtin(interp, frame, callee.name, args, kwargs, node)
    if isinstance(callee, TensorMethod):
        return _tensor_method(interp, frame, callee, args, kwargs, node)
    if isinstance(callee, PyMethod) and isinstance(callee.receiver, InstructionHandle):
        from nki_compiler.specializer.api import depends_on

        return depends_on(interp, callee.receiver, args)
    if isinstance(callee, PyMethod):
        return _py_method(callee, args, kwargs)
    qualname = getattr(callee, "__nki_qualname__", None)
    if isinstance(qualname, str):
        from nki_compiler.specializer.api import call_api

        return call_api(interp, frame, qualname, callee, args, kwargs, node)
    from nki_compiler.specializer.unknown_control import unknown_call

    unknown_call(interp, args, kwargs)  # an unresolved function (absent module) or nothing we model
    return UNKNOWN


def call_function(
    interp: Interpreter,
    frame: Frame,
    function: Function,
    args: list[Any],
    kwargs: dict[str, Any],
    node: ast.AST,
) -> Any:
    definition = function.node
    params = [*definition.args.posonlyargs, *definition.args.args]
    local: dict[str, Any] = {}
    defaults_frame = Frame(function.module, {}, function.name, closure=function.closure)
    positional_defaults = definition.args.defaults
    first_default = len(params) - len(positional_defaults)
    for index, param in enumerate(params):
        if index < len(args):
            local[param.arg] = args[index]
        elif param.arg in kwargs:
            local[param.arg] = kwargs[param.arg]
        elif index >= first_default:
            local[param.arg] = interp.eval(defaults_frame, positional_defaults[index - first_default])
        else:
            local[param.arg] = UNKNOWN
    for param, default in zip(definition.args.kwonlyargs, definition.args.kw_defaults, strict=False):
        if param.arg in kwargs:
            local[param.arg] = kwargs[param.arg]
        else:
            local[param.arg] = interp.eval(defaults_frame, default) if default is not None else UNKNOWN
    link = (function.name, frame.module.path, interp.span(frame, node))
    callee_frame = Frame(function.module, local, function.name, (*frame.chain, link), function.closure)
    try:
        interp.enter()
        interp.run_block(callee_frame, definition.body)
    except _Return as result:
        return result.value
    except BudgetExceeded as exceeded:
        exceeded.where = exceeded.where or (frame.module, node)
        raise
    finally:
        interp.leave()
    return None


def _builtin(
    interp: Interpreter, frame: Frame, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call
) -> Any:
    if name == PAR_DIM:
        return ParDim(args[0]) if len(args) == 1 and not kwargs else UNKNOWN
    if name == "print":
        interp.builder.program.prints.append(" ".join(a if isinstance(a, str) else repr(a) for a in args))
        return None
    if name in ("dataclasses.dataclass", "dataclasses.field"):
        return kwargs.get("default", UNKNOWN) if name.endswith("field") else UNKNOWN
    if name == "range" and any(not isinstance(a, int) or isinstance(a, bool) for a in args):
        return UNKNOWN
    if name == "range" and len(range(*args)) > interp.builder.budgets.instructions:
        return UNKNOWN
    if name == "isinstance" and len(args) == 2:
        kinds = args[1] if isinstance(args[1], tuple) else (args[1],)
        args = [args[0], tuple(BUILTIN_TYPES.get(k.name, k) if isinstance(k, Builtin) else k for k in kinds)]
    implementation = BUILTINS.get(name) or MATH_FUNCTIONS.get(name)
    if implementation is None:
        return UNKNOWN
    if name in ("max", "min", "abs", "len", "int", "float") and any(isinstance(a, Tensor) for a in args):
        return UNKNOWN
    return implementation(*args, **kwargs)


def _tensor_method(
    interp: Interpreter,
    frame: Frame,
    method: TensorMethod,
    args: list[Any],
    kwargs: dict[str, Any],
    node: ast.Call,
) -> Any:
    tensor, name = method.tensor, method.name
    if name == "get_pattern":
        return tensor.get_pattern()
    if name == "is_contiguous":
        return tensor.is_contiguous()
    if name == "is_indirect":
        return tensor.indirect
    if name == "indirect":  # v4 tensor indirection (specializer.indirection)
        from nki_compiler.specializer.generations import check_tensor_indirect

        if not check_tensor_indirect(interp, frame, node):
            return UNKNOWN
    elif tensor.indirection is not None:
        return UNKNOWN  # views of a `.indirect()` view are not specified (nki-api.md §3.10)
    if any(is_unknown(a) for a in args) or any(is_unknown(v) for v in kwargs.values()):
        return UNKNOWN
    if name == "ap" and tensor.is_view:
        interp.report("NKI306", frame, node.func)
    if name == "indirect":  # a method would shadow the `indirect` field
        from nki_compiler.specializer.indirection import indirect

        bound = functools.partial(indirect, tensor)
    else:
        bound = getattr(tensor, "view" if name == "reinterpret_cast" else name)
    try:
        return interp.guard_view(frame, node, lambda: bound(*args, **kwargs))
    except TypeError:
        return UNKNOWN


def _py_method(method: PyMethod, args: list[Any], kwargs: dict[str, Any]) -> Any:
    receiver, name = method.receiver, method.name
    if isinstance(receiver, InstructionHandle):
        return receiver
    try:
        result = getattr(receiver, name)(*args, **kwargs)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return UNKNOWN
    if isinstance(receiver, dict) and name in ("keys", "items", "values"):
        return list(result)
    return result
