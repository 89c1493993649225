"""The meta-program interpreter: walks the kernel's AST with compile-time values (rules §2).

Loops are unrolled, `if`s resolved, calls inlined; `nl`/`nisa` calls go to `specializer.api`, which
emits IR through the `Builder`. Nothing of the user's code is imported or executed: every construct is
evaluated here, and anything not known becomes `UNKNOWN` (which never causes a diagnostic).
"""

from __future__ import annotations

import ast
import importlib
import operator
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic, Fix, Note
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir.program import Origin
from nki_compiler.source import Span
from nki_compiler.specializer.builtins import BUILTINS, math_members
from nki_compiler.specializer.emit import BudgetExceeded, Builder
from nki_compiler.specializer.tensors import Tensor, ViewError
from nki_compiler.specializer.values import (
    UNKNOWN,
    BoundMethod,
    Builtin,
    ClassValue,
    ContextManager,
    DynamicRange,
    EnumMember,
    Function,
    Instance,
    InstructionHandle,
    ProjectModule,
    RegisterValue,
    is_unknown,
)  # fmt: skip


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class Abort(Exception):
    """Specialization stops (a failed `assert`, an exceeded budget): already reported."""


@dataclass
class Frame:
    module: ModuleInfo
    locals: dict[str, Any]
    function: str
    chain: tuple[tuple[str, str, Span], ...] = ()
    closure: dict[str, Any] | None = None
    origins: dict[ast.AST, Origin] = field(default_factory=dict)  # shared by every instruction of a node


@dataclass(frozen=True)
class Namespace:
    name: str
    members: dict[str, Any]


@dataclass(frozen=True)
class TensorMethod:
    tensor: Tensor
    name: str


@dataclass(frozen=True)
class PyMethod:
    """A method of a list/dict/str value (`xs.append`, `d.items`)."""

    receiver: Any
    name: str


PAR_DIM = "nki.language.par_dim"  # removed from 0.6 (NKI547/NKI302) but still understood in shapes
_LIST_METHODS = {"append", "extend", "index", "remove", "reverse", "pop", "insert", "count", "copy", "clear"}
_DICT_METHODS = {"keys", "items", "values", "pop", "setdefault", "get", "clear", "copy", "update"}
_STR_METHODS = {"join", "upper", "lower", "startswith", "endswith", "replace", "split", "strip", "format"}
_TUPLE_METHODS = {"index", "count"}
_PLAIN = (int, float, bool, str, type(None), tuple, list, dict, range, slice)

_BINOPS: dict[type, Any] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_,
}  # fmt: skip
_COMPARE: dict[type, Any] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Is: operator.eq, ast.IsNot: operator.ne,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}  # fmt: skip


def truth(value: Any) -> Any:
    if isinstance(value, (Instance, EnumMember, Function, ClassValue)):
        return True
    if isinstance(value, _PLAIN):
        return bool(value)
    return UNKNOWN


@dataclass
class Interpreter:
    workspace: Workspace
    builder: Builder
    target: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    program_id: int = 0  # this core's `nl.program_id(0)` (LNC2 specializes once per core)
    num_programs: int = 1
    iterations: list[tuple[str, Any, int]] = field(default_factory=list)  # (var, value, loop line)
    _globals: dict[tuple[str, str], Any] = field(default_factory=dict)
    _seen: set[tuple[str, str, Span]] = field(default_factory=set)
    _depth: int = 0
    _evaluators: dict[ast.AST, Callable[[Frame], Any]] = field(default_factory=dict)
    _blocks: dict[int, tuple[list[ast.stmt], tuple[Callable[[Frame], None], ...]]] = field(
        default_factory=dict
    )
    api_sites: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # `specializer.api` call sites
    reports: int = 0  # `report` calls so far, reported or not (a check that made none passed)
    clean_checks: set[tuple[Any, ...]] = field(default_factory=set)  # `contracts.values_key`s that passed

    # -- diagnostics ---------------------------------------------------------------------------------
    def span(self, frame: Frame, node: ast.AST) -> Span:
        return frame.module.span(node) or Span(0, 0)  # memoised per node: emission is hot

    def origin(self, frame: Frame, node: ast.AST) -> Origin:
        found = frame.origins.get(node)
        if found is None:
            found = frame.origins[node] = Origin(frame.module.path, self.span(frame, node), frame.chain)
        return found

    def report(
        self,
        code: str,
        frame: Frame,
        node: ast.AST,
        message: str | None = None,
        fixes: tuple[Fix, ...] = (),
        **params: Any,
    ) -> None:
        self.reports += 1
        r = rule(code)
        if r.severity is None or r.opt_in:
            return
        span = self.span(frame, node)
        key = (code, frame.module.path, span)
        if key in self._seen:
            return
        self._seen.add(key)
        text = message if message is not None else r.format(**params)
        if self.iterations:
            var, value, line = self.iterations[-1]
            text += f" (in iteration {var}={value!r} of the loop at line {line})"
        notes = tuple(
            Note(f"inlined from this call of `{name}`", path, call) for name, path, call in frame.chain
        )
        self.diagnostics.append(Diagnostic(code, r.severity, text, frame.module.path, span, notes, fixes))

    # -- names ---------------------------------------------------------------------------------------
    def lookup(self, frame: Frame, name: str) -> Any:
        if name in frame.locals:
            return frame.locals[name]
        if frame.closure is not None and name in frame.closure:
            return frame.closure[name]
        return self.global_value(frame.module, name)

    def global_value(self, module: ModuleInfo, name: str) -> Any:
        key = (module.path, name)
        if key not in self._globals:
            self._globals[key] = UNKNOWN  # guards against cyclic module constants
            self._globals[key] = self._resolve_global(module, name)
        return self._globals[key]

    def _resolve_global(self, module: ModuleInfo, name: str) -> Any:
        definition = module.definitions.get(name)
        if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return Function(module, definition)
        if isinstance(definition, ast.ClassDef):
            from nki_compiler.specializer.classes import build_class

            return build_class(self, module, definition)
        if name in module.imports:
            return self._resolve_import(module, name)
        if name in module.assignments:
            frame = Frame(module, {}, "<module>")
            return self.eval(frame, module.assignments[name])
        if name in BUILTINS or name == "print":
            return Builtin(name)
        return UNKNOWN

    def _resolve_import(self, module: ModuleInfo, name: str) -> Any:
        qualified = module.canonical(ast.Name(name, ast.Load())) or ""
        if qualified == PAR_DIM:
            return Builtin(PAR_DIM)
        if qualified == "nki" or qualified.startswith("nki."):
            return _our_object(qualified)
        if qualified == "math":
            return Namespace("math", math_members())
        if qualified.startswith("math."):
            return math_members().get(qualified[5:], UNKNOWN)
        if qualified.startswith(("dataclasses.", "enum.")):
            return Builtin(qualified)
        imported = module.imports[name]
        found = self.workspace.resolve_imported(module, imported)
        if found is not None:
            target_module, definition = found
            return self.global_value(target_module, definition.name)
        if imported.attr is not None:  # `from helpers import TILE`: a module-level constant
            source = self.workspace.resolve_module(module, imported.module, imported.level)
            if source is not None and source is not module and imported.attr in source.assignments:
                return self.global_value(source, imported.attr)
        target = self.workspace.resolve_module(
            module, ".".join(p for p in (imported.module, imported.attr) if p), imported.level
        )
        if target is not None:
            return ProjectModule(target)
        return UNKNOWN

    # -- compiled statements and expressions (closures cached per body and per node) ----------------
    def block(self, body: list[ast.stmt]) -> tuple[Callable[[Frame], None], ...]:
        entry = self._blocks.get(id(body))
        if entry is None or entry[0] is not body:
            from nki_compiler.specializer.statements import compile_block

            entry = (body, compile_block(self, body))
            self._blocks[id(body)] = entry
        return entry[1]

    def run_block(self, frame: Frame, body: list[ast.stmt]) -> None:
        for execute in self.block(body):
            execute(frame)

    def evaluator(self, node: ast.expr) -> Callable[[Frame], Any]:
        found = self._evaluators.get(node)
        if found is None:
            from nki_compiler.specializer.evaluators import compile_expr

            found = self._evaluators[node] = compile_expr(self, node)
        return found

    def eval(self, frame: Frame, node: ast.expr) -> Any:
        return self.evaluator(node)(frame)

    def guard_view(self, frame: Frame, node: ast.AST, action: Any) -> Any:
        try:
            return action()
        except ViewError as error:
            self.report(error.code, frame, node, **error.params)
            return UNKNOWN

    def enter(self) -> None:
        self._depth += 1
        if self._depth > self.builder.budgets.recursion_depth:
            self._depth = 0
            raise BudgetExceeded(f"calls nested more than {self.builder.budgets.recursion_depth} deep")

    def leave(self) -> None:
        self._depth = max(0, self._depth - 1)


def _is_dynamic_index(key: Any) -> bool:
    """A tensor or register inside `[]` (NKI315)."""
    if isinstance(key, tuple):
        for item in key:
            if isinstance(item, (Tensor, RegisterValue)):
                return True
        return False
    return isinstance(key, (Tensor, RegisterValue))


def binary(op: type, left: Any, right: Any) -> Any:
    numbers = (int, float)
    if not isinstance(left, _PLAIN) or not isinstance(right, _PLAIN):
        return UNKNOWN
    if op is ast.Pow and isinstance(right, numbers) and abs(right) > 4096:
        return UNKNOWN
    if op is ast.LShift and isinstance(right, int) and right > 4096:
        return UNKNOWN
    if (
        op is ast.Mult
        and isinstance(left, (str, list, tuple))
        and isinstance(right, int)
        and right * len(left) > 10**6
    ):
        return UNKNOWN
    if (
        op is ast.Mult
        and isinstance(right, (str, list, tuple))
        and isinstance(left, int)
        and left * len(right) > 10**6
    ):
        return UNKNOWN
    try:
        return _BINOPS[op](left, right)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError):
        return UNKNOWN


def compare(op: type, left: Any, right: Any) -> Any:
    if is_unknown(left) or is_unknown(right):
        return UNKNOWN
    if isinstance(left, (Tensor, RegisterValue)) or isinstance(right, (Tensor, RegisterValue)):
        return UNKNOWN
    if op in (ast.In, ast.NotIn) and not isinstance(right, (list, tuple, str, dict, range)):
        return UNKNOWN
    try:
        result = _COMPARE[op](left, right)
    except (TypeError, KeyError):
        return UNKNOWN
    return result if isinstance(result, bool) else UNKNOWN


def _our_object(qualified: str) -> Any:
    """An object of our own `nki` package (`nki.language.float32`, the `nki.isa` module, ...)."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            value = getattr(value, attr, UNKNOWN)
            if value is UNKNOWN:
                return UNKNOWN
        return value
    return UNKNOWN


__all__ = [
    "Abort",
    "Frame",
    "Interpreter",
    "Namespace",
    "PyMethod",
    "TensorMethod",
    "truth",
    "types",
    "InstructionHandle",
    "ContextManager",
    "DynamicRange",
    "BoundMethod",
]


def _is_none_test(op: ast.cmpop, left: Any, right: Any) -> bool:
    """`x == None` / `x != None` / `x is None` / `x is not None` with both sides known: decided by identity."""
    if not isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) or is_unknown(left) or is_unknown(right):
        return False
    return left is None or right is None
