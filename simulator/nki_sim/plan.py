"""What the simulator works out about an instruction once per program instead of at every execution.

`InstructionSpec`, once per `Program` and shared by every run of it: whether every operand is the same at
each execution, and then the constant operands, each access pattern as a `PatternSpec` (storage, offset,
shape and strides in elements, reinterpreting dtype; equal patterns of a program are one object, so a run
makes one view per pattern) and, once the first run has checked the instruction, its `work(core, tensors)`
(`semantics.registry.bind`) per machine configuration. Later executions, in this run or the next, make no
checks: they look up the run's views and call `work`. An operand that can change between executions (a
register, a dynamic offset, an indirect pattern) makes the instruction dynamic: the general path of
`Execution.run_compute` every time.

Specs live in a side table keyed by the program's and the instruction's `id`; each entry keeps its
instruction, so a reused `id` is never mistaken for it, and a program's table goes when the program does.

`releases(program)`: after which top-level node each on-chip tensor is used for the last time (a use inside a
runtime loop counts at the loop), so a run can drop it there and its memory serves the next allocations
(fresh pages cost more than the kernel's own arithmetic in a kernel allocating a tile per row block).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from nki_compiler.ir.access import AccessPattern, DynamicOffset, TensorIndirection
from nki_compiler.ir.access import Storage as IrStorage
from nki_compiler.ir.program import Instruction, Loop, Node, Program, Register
from nki_sim.semantics.registry import SEMANTICS, Work

__all__ = ["PatternSpec", "InstructionSpec", "spec_of", "specs_of", "releases"]


@dataclass(frozen=True, eq=False)
class PatternSpec:
    """A static access pattern as `make_view` takes it."""

    storage: IrStorage
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str | None  # the pattern's dtype when it reinterprets the storage's (`t.view(dtype)`)
    #: The machine precisions (`NKI_PRECISE_FP`, which decides storage dtypes) `make_view` accepted it for.
    accepted: set[bool] = field(default_factory=set, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class InstructionSpec:
    instruction: Instruction
    opcode: str
    static: bool  # every operand is the same at every execution
    constants: tuple[tuple[str, Any], ...] = ()
    patterns: tuple[tuple[str, PatternSpec], ...] = ()
    #: (precise, generation) of the machine -> the checked `work(core, tensors)`.
    works: dict[tuple[bool, int], Work] = field(default_factory=dict)


@dataclass(eq=False)
class _Table:
    specs: dict[int, InstructionSpec] = field(default_factory=dict)
    patterns: dict[tuple[Any, ...], PatternSpec] = field(default_factory=dict)
    releases: dict[int, tuple[int, ...]] | None = None


_TABLES: dict[int, _Table] = {}
_LOCK = threading.Lock()


def spec_of(program: Program, instruction: Instruction) -> InstructionSpec:
    table = _TABLES.get(id(program)) or _table(program)
    spec = table.specs.get(id(instruction))
    if spec is None or spec.instruction is not instruction:
        spec = table.specs[id(instruction)] = _spec(table, instruction)
    return spec


def specs_of(program: Program) -> dict[int, InstructionSpec]:
    """The specs made so far for `program`'s instructions, by `id(instruction)` (check `spec.instruction`)."""
    return (_TABLES.get(id(program)) or _table(program)).specs


def _table(program: Program) -> _Table:
    with _LOCK:  # both cores of an LNC2 run may ask first
        table = _TABLES.get(id(program))
        if table is None:
            table = _TABLES[id(program)] = _Table()
            weakref.finalize(program, _TABLES.pop, id(program), None)
        return table


def _spec(table: _Table, instruction: Instruction) -> InstructionSpec:
    opcode = instruction.opcode.value
    if opcode not in SEMANTICS:  # allocations, registers, prints, LNC rendezvous: run by `Execution` itself
        return InstructionSpec(instruction, opcode, static=False)
    constants: list[tuple[str, Any]] = []
    patterns: list[tuple[str, PatternSpec]] = []
    for key, value in instruction.operands:
        if isinstance(value, AccessPattern):
            pattern = _pattern(table, value)
            if pattern is None:
                return InstructionSpec(instruction, opcode, static=False)
            patterns.append((key, pattern))
        elif _varies(value):
            return InstructionSpec(instruction, opcode, static=False)
        else:
            constants.append((key, value))
    return InstructionSpec(instruction, opcode, True, tuple(constants), tuple(patterns))


def _pattern(table: _Table, pattern: AccessPattern) -> PatternSpec | None:
    if pattern.dynamic is not None or pattern.indirect:
        return None
    offset, shape, strides = pattern.strided()
    dtype = None if pattern.dtype == pattern.storage.dtype else pattern.dtype
    key = (pattern.storage.id, offset, tuple(shape), tuple(strides), dtype)
    spec = table.patterns.get(key)
    if spec is None or spec.storage is not pattern.storage:
        spec = table.patterns[key] = PatternSpec(pattern.storage, offset, tuple(shape), tuple(strides), dtype)
    return spec


def _varies(value: Any) -> bool:
    """Whether a non-pattern operand is resolved at each execution (registers; patterns inside a list)."""
    if isinstance(value, (Register, AccessPattern)):
        return True
    if isinstance(value, (tuple, list)):
        return any(_varies(item) for item in value)
    return False


def releases(program: Program) -> dict[int, tuple[int, ...]]:
    """Top-level node index -> ids of the on-chip storages last used there; never a storage the kernel
    returns (it is read after the run)."""
    table = _TABLES.get(id(program)) or _table(program)
    if table.releases is None:
        kept = {id_ for value in program.outputs for id_ in _storage_ids(value)}
        last: dict[int, int] = {}
        on_chip = {s.id for s in program.storages if s.on_chip and s.kind != "arg"}
        for index, node in enumerate(program.body):
            for id_ in _node_storage_ids(node):
                if id_ in on_chip and id_ not in kept:
                    last[id_] = index
        by_node: dict[int, list[int]] = {}
        for id_, index in last.items():
            by_node.setdefault(index, []).append(id_)
        table.releases = {index: tuple(ids) for index, ids in by_node.items()}
    return table.releases


def _node_storage_ids(node: Node) -> set[int]:
    if isinstance(node, Loop):
        return {id_ for child in node.body for id_ in _node_storage_ids(child)}
    return {id_ for _, value in node.operands for id_ in _storage_ids(value)}


def _storage_ids(value: Any) -> list[int]:
    """The storages an operand refers to: a tensor's, those of its dynamic offsets, an allocation's."""
    if isinstance(value, AccessPattern):
        return [value.storage.id, *_storage_ids(value.dynamic)]
    if isinstance(value, (DynamicOffset, TensorIndirection)):
        return _storage_ids(value.value)
    if isinstance(value, IrStorage):
        return [value.id]
    if isinstance(value, (tuple, list)):
        return [id_ for item in value for id_ in _storage_ids(item)]
    return []
