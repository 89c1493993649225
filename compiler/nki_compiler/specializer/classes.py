"""User classes: `NKIObject` subclasses / dataclasses (synthesised `__init__`, `__post_init__`) and Enums."""

from __future__ import annotations

import ast
from typing import Any

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.specializer.values import UNKNOWN, ClassValue, EnumMember, Function, Instance

_ENUM_BASES = {"enum.Enum", "enum.IntEnum", "enum.StrEnum"}


def build_class(interp: Any, module: ModuleInfo, node: ast.ClassDef) -> ClassValue:
    from nki_compiler.specializer.interpreter import Frame

    is_enum = any(module.canonical(base) in _ENUM_BASES for base in node.bases)
    cls = ClassValue(module, node, is_enum=is_enum)
    frame = Frame(module, {}, node.name)
    auto_value = 0
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            cls.methods[stmt.name] = Function(module, stmt, owner=cls)
            if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in stmt.decorator_list):
                cls.static.add(stmt.name)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            cls.fields.append((stmt.target.id, stmt.value))
            if stmt.value is not None:
                cls.attributes[stmt.target.id] = interp.eval(frame, stmt.value)
        elif (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        ):
            name = stmt.targets[0].id
            if is_enum:
                value = _enum_value(interp, frame, stmt.value, auto_value)
                auto_value = value + 1 if isinstance(value, int) else auto_value + 1
                cls.members[name] = EnumMember(cls, name, value)
            else:
                cls.attributes[name] = interp.eval(frame, stmt.value)
                cls.fields.append((name, stmt.value))
    return cls


def _enum_value(interp: Any, frame: Any, expr: ast.expr, auto_value: int) -> Any:
    if isinstance(expr, ast.Call) and frame.module.canonical(expr.func) == "enum.auto":
        return auto_value + 1 if auto_value == 0 else auto_value
    return interp.eval(frame, expr)


def instantiate(
    interp: Any, frame: Any, cls: ClassValue, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    from nki_compiler.specializer.calls import call_function

    if cls.is_enum:
        for member in cls.members.values():
            if args and member.value == args[0]:
                return member
        return UNKNOWN
    instance = Instance(cls)
    init = cls.methods.get("__init__")
    if init is not None:
        call_function(interp, frame, init, [instance, *args], kwargs, node)
        return instance
    defaults_frame = type(frame)(cls.module, {}, cls.name)
    for index, (name, default) in enumerate(cls.fields):
        if index < len(args):
            instance.fields[name] = args[index]
        elif name in kwargs:
            instance.fields[name] = kwargs[name]
        elif default is not None:
            instance.fields[name] = interp.eval(defaults_frame, default)
        else:
            instance.fields[name] = UNKNOWN
    for name, value in kwargs.items():
        instance.fields.setdefault(name, value)  # NKIObject(**kwargs)
    post_init = cls.methods.get("__post_init__")
    if post_init is not None:
        call_function(interp, frame, post_init, [instance], {}, node)
    return instance
