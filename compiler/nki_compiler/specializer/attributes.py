"""Attribute access on compile-time values (`t.shape`, `obj.field`, `Color.RED.value`, `nl.float32`)."""

from __future__ import annotations

import types
from typing import Any

import nki.language as nl
from nki_compiler.specializer.facts import UNKNOWN_DTYPE
from nki_compiler.specializer.interpreter import (
    _DICT_METHODS,
    _LIST_METHODS,
    _STR_METHODS,
    _TUPLE_METHODS,
    PAR_DIM,
    Frame,
    Interpreter,
    Namespace,
    PyMethod,
    TensorMethod,
)
from nki_compiler.specializer.tensors import TENSOR_ATTRIBUTES, TENSOR_METHODS, Tensor
from nki_compiler.specializer.values import (
    UNKNOWN,
    BoundMethod,
    Builtin,
    ClassValue,
    EnumMember,
    Instance,
    InstructionHandle,
    ProjectModule,
    RegisterValue,
)  # fmt: skip


def get_attribute(interp: Interpreter, frame: Frame, value: Any, attr: str) -> Any:
    if isinstance(value, Tensor):
        return tensor_attribute(value, attr)
    if isinstance(value, Instance):
        if attr in value.fields:
            return value.fields[attr]
        return _class_attribute(value.cls, attr, receiver=value)
    if isinstance(value, ClassValue):
        return _class_attribute(value, attr, receiver=None)
    if isinstance(value, EnumMember):
        return {"name": value.name, "value": value.value}.get(attr, UNKNOWN)
    if isinstance(value, ProjectModule):
        return interp.global_value(value.module, attr)
    if isinstance(value, Namespace):
        return value.members.get(attr, UNKNOWN)
    if isinstance(value, InstructionHandle):
        return PyMethod(value, attr) if attr == "depends_on" else UNKNOWN
    if isinstance(value, RegisterValue):
        return UNKNOWN
    if isinstance(value, list) and attr in _LIST_METHODS:
        return PyMethod(value, attr)
    if isinstance(value, dict) and attr in _DICT_METHODS:
        return PyMethod(value, attr)
    if isinstance(value, tuple) and attr in _TUPLE_METHODS:
        return PyMethod(value, attr)
    if type(value) is str and attr in _STR_METHODS:
        return PyMethod(value, attr)
    if attr == "par_dim" and getattr(value, "__name__", "") == "nki.language":
        return Builtin(PAR_DIM)
    if _is_our_object(value) and not attr.startswith("_"):
        return getattr(value, attr, UNKNOWN)
    return UNKNOWN


def _is_our_object(value: Any) -> bool:
    """Objects of our own `nki` package (modules, dtypes, enums, `nl.tile_size`)."""
    if isinstance(value, types.ModuleType):
        return value.__name__ == "nki" or value.__name__.startswith("nki.")
    owner = value if isinstance(value, type) else type(value)
    module = getattr(owner, "__module__", "") or ""
    return module == "nki" or module.startswith("nki.")


def tensor_attribute(tensor: Tensor, attr: str) -> Any:
    if attr in TENSOR_METHODS:
        return TensorMethod(tensor, attr)
    if attr not in TENSOR_ATTRIBUTES:
        return UNKNOWN
    if attr == "dtype":
        return _dtype_object(tensor.dtype)
    if attr == "buffer":
        return nl.MemoryRegion(tensor.buffer)
    return getattr(tensor, attr)


def _dtype_object(name: str) -> Any:
    if name == UNKNOWN_DTYPE:
        return UNKNOWN
    return getattr(nl, name, name)


def _class_attribute(cls: ClassValue, attr: str, receiver: Instance | None) -> Any:
    if cls.is_enum and attr in cls.members:
        return cls.members[attr]
    if attr in cls.methods:
        function = cls.methods[attr]
        if receiver is None or attr in cls.static:
            return function
        return BoundMethod(function, receiver)
    if attr in cls.attributes:
        return cls.attributes[attr]
    return UNKNOWN
