"""Compile-time values of the NKI meta-program (nki-language-rules.md §1.2–1.3).

Python scalars, strings, None, tuples, lists and dicts are represented by themselves; API constants
(dtypes, buffers, enum members, `nl` operator functions) by the objects of our own `nki` package. The
classes here cover the rest: `Unknown` (a fact nobody told us), tensors (`specializer.tensors`),
user functions, `NKIObject` classes and instances, enums, registers and instruction handles.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.ir.program import Register


class Unknown:
    """A value the specializer cannot know (missing argument facts, unsupported library, ...).

    Every operation on it yields `UNKNOWN`; no diagnostic may depend on it."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "?"


UNKNOWN = Unknown()


def is_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, (tuple, list)):
        return any(is_unknown(v) for v in value)
    return False


@dataclass(eq=False)
class Function:
    """A user function (module-level, nested, or a method once bound)."""

    module: ModuleInfo
    node: ast.FunctionDef | ast.AsyncFunctionDef
    closure: dict[str, Any] | None = None  # enclosing frame's locals for nested defs
    owner: ClassValue | None = None
    defaults: list[Any] | None = None
    kw_defaults: list[Any] | None = None

    @property
    def name(self) -> str:
        return f"{self.owner.name}.{self.node.name}" if self.owner else self.node.name

    def __repr__(self) -> str:
        return f"<function {self.name}>"


@dataclass(eq=False)
class BoundMethod:
    function: Function
    receiver: Any


@dataclass(eq=False)
class ClassValue:
    """A user class: `NKIObject` subclass/dataclass, or an `Enum`."""

    module: ModuleInfo
    node: ast.ClassDef
    is_enum: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)  # evaluated class-body assignments
    fields: list[tuple[str, ast.expr | None]] = field(default_factory=list)  # dataclass-style fields
    methods: dict[str, Function] = field(default_factory=dict)
    static: set[str] = field(default_factory=set)
    members: dict[str, EnumMember] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node.name

    def __repr__(self) -> str:
        return f"<class {self.name}>"


@dataclass(eq=False)
class Instance:
    cls: ClassValue
    fields: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.cls.name}({inner})"


@dataclass(frozen=True, eq=False)
class EnumMember:
    cls: ClassValue
    name: str
    value: Any

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumMember) and other.cls is self.cls and other.name == self.name

    def __hash__(self) -> int:
        return hash((id(self.cls), self.name))

    def __repr__(self) -> str:
        return f"{self.cls.name}.{self.name}"


@dataclass(frozen=True)
class ProjectModule:
    """An imported project module used as a namespace (`import utils; utils.helper(...)`)."""

    module: ModuleInfo


@dataclass(frozen=True)
class RegisterValue:
    """A runtime register (`nisa.register_alloc`, runtime loop induction values)."""

    register: Register

    def __repr__(self) -> str:
        return self.register.label


@dataclass(eq=False)
class InstructionHandle:
    """What a `nisa.*` call returns (`NkiInstruction`): only `.depends_on(...)` is meaningful."""

    opcode: str
    call: ast.Call
    instruction: int = -1  # `Instruction.id` of the emitted instruction


@dataclass(frozen=True)
class DynamicRange:
    """`nl.dynamic_range(start, stop, step)` as a `for` iterator: one runtime loop."""

    start: Any
    stop: Any
    step: Any


@dataclass(frozen=True)
class ContextManager:
    """`nl.no_reorder()`; the body runs as usual (scheduling edges are the back end's concern)."""

    name: str


@dataclass(frozen=True)
class ParDim:
    """`nl.par_dim(size)`: a legacy block-dimension marker in a shape (NKI302 unless it is first)."""

    size: Any


@dataclass(frozen=True)
class Builtin:
    name: str


def type_name(value: Any) -> str:
    if isinstance(value, Instance):
        return value.cls.name
    return type(value).__name__
