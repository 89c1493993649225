"""Building the IR program while the meta-program runs: storages, registers, instructions, loops,
and the per-span tensor facts and compile-time scalar values the editor shows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from nki_compiler.ir.access import Storage, contiguous_pairs, shared
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.program import Instruction, Loop, Node, Origin, Program, Register
from nki_compiler.source import Span
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import UNKNOWN, RegisterValue, is_unknown


@dataclass(frozen=True)
class Budgets:
    instructions: int = 2_000_000
    recursion_depth: int = 48
    while_iterations: int = 100_000
    seconds: float = 30.0


class BudgetExceeded(Exception):
    """`where` is the (module, loop or call node) responsible, set by the innermost one it unwinds."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.where: tuple[Any, Any] | None = None


@dataclass(frozen=True)
class TensorFact:
    """What the editor shows for a tensor-valued name at one program point (one unrolled iteration)."""

    shape: tuple[int, ...]
    dtype: str
    buffer: str
    bytes_per_partition: int | None
    name: str = field(default="", compare=False)  # distinct iterations differ in facts, not in names

    def text(self) -> str:
        shape = ", ".join(str(d) for d in self.shape)
        return f"{self.buffer} {self.dtype}[{shape}]"


def tensor_fact(tensor: Tensor) -> TensorFact:
    return TensorFact(tensor.shape, tensor.dtype, tensor.buffer, tensor.bytes_per_partition(), tensor.name)


_ALLOC = Opcode.ALLOC
_SCALARS = frozenset({bool, int, float, str, type(None)})

#: Distinct scalar values kept per span (for display) and counted per span (beyond that: "more than").
LISTED_SCALARS = 8
COUNTED_SCALARS = 1024


class ScalarValues:
    """The compile-time values one assignment target took across unrolled iterations, bounded in memory.

    `values` holds the first `LISTED_SCALARS` distinct ones in order; `distinct` counts distinct ones up
    to `COUNTED_SCALARS` (`saturated` past that); `opaque` counts bindings to something that is not a
    known scalar (a runtime value, an object), so the values seen are not the whole story.
    """

    __slots__ = ("values", "_seen", "saturated", "opaque")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._seen: set[tuple[type, Any]] = set()
        self.saturated = False
        self.opaque = 0

    @property
    def distinct(self) -> int:
        return len(self._seen)

    def add(self, value: Any) -> None:
        seen = self._seen
        key = (type(value), value)  # 1, 1.0 and True are distinct values to the reader
        if key in seen or self.saturated:
            return
        if len(seen) >= COUNTED_SCALARS:
            self.saturated = True
            return
        seen.add(key)
        if len(self.values) < LISTED_SCALARS:
            self.values.append(value)

    def merge(self, other: ScalarValues) -> None:
        """Take in another span's record (the same binding specialized for another kernel)."""
        for value in other.values:
            self.add(value)
        for _, value in other._seen:
            self.add(value)
        self.saturated = self.saturated or other.saturated
        self.opaque += other.opaque


#: Longer or deeper tuples are not shown (nor walked on every assignment).
_TUPLE_ITEMS = 16
_TUPLE_DEPTH = 4


def is_scalar_value(value: Any, depth: int = 0) -> bool:
    """int, float, bool, str, None, or a small tuple of those (nested tuples too)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is not tuple or len(value) > _TUPLE_ITEMS or depth >= _TUPLE_DEPTH:
        return False
    return all(is_scalar_value(item, depth + 1) for item in value)


#: operands an instruction writes (their storages count as initialized afterwards)
OUTPUT_OPERANDS = frozenset({"dst", "val_dst", "idx_dst", "reduce_res", "dst_scale", "dst_idx"})


def to_operand(value: Any) -> Any:
    """Meta-program value -> IR operand value."""
    if isinstance(value, Tensor):
        return value.pattern()
    if isinstance(value, RegisterValue):
        return value.register
    if isinstance(value, list):
        return tuple(to_operand(v) for v in value)
    if isinstance(value, tuple):
        return tuple(to_operand(v) for v in value)
    return value


@dataclass
class Builder:
    program: Program
    budgets: Budgets = field(default_factory=Budgets)
    complete: bool = True
    written: set[int] = field(default_factory=set)  # storage ids written so far
    psum_matmul_written: set[int] = field(default_factory=set)
    names: dict[str, int] = field(default_factory=dict)
    facts: dict[str, dict[Span, list[TensorFact]]] = field(default_factory=dict)
    scalars: dict[str, dict[Span, ScalarValues]] = field(default_factory=dict)
    _bodies: list[list[Node]] = field(default_factory=list)
    _next_storage: int = 0
    _next_register: int = 0
    _next_instruction: int = 0
    _next_region: int = 0
    _region: int | None = None  # the `nl.no_reorder()` region being executed (dynamically scoped)
    _emitted: int = 0
    _started: float = field(default_factory=time.monotonic)
    _recorded: set[tuple[Any, ...]] = field(default_factory=set)  # `record` keys already seen
    _scalar_slots: dict[tuple[str, int, int], ScalarValues] = field(default_factory=dict)  # `scalars`, flat

    def __post_init__(self) -> None:
        self._bodies.append(self.program.body)

    # -- storages and registers --------------------------------------------------------------------
    def storage(
        self,
        shape: tuple[int, ...],
        dtype: str,
        buffer: str,
        name: str = "",
        kind: str = "alloc",
        address: tuple[int, int] | None = None,
    ) -> Storage:
        number = self._next_storage
        storage = Storage(number, name or f"t{number}", shared(shape), dtype, buffer, kind, address)
        self._next_storage += 1
        self.program.storages.append(storage)
        return storage

    def alloc(
        self,
        shape: tuple[int, ...],
        dtype: str,
        buffer: str,
        origin: Origin,
        name: str = "",
        address: tuple[int, int] | None = None,
    ) -> Tensor:
        kind = "output" if buffer == "shared_hbm" else "alloc"
        label = name if name and name not in self.names else ""
        storage = self.storage(shape, dtype, buffer, label, kind, address)
        if name:
            self.names.setdefault(name, storage.id)
        self.append(Instruction(_ALLOC, (("storage", storage),), origin))
        return Tensor(storage, 0, contiguous_pairs(storage.shape), dtype)  # `Tensor.whole`

    def register(self, frozen: bool = False) -> RegisterValue:
        register = Register(self._next_register, frozen=frozen)
        self._next_register += 1
        return RegisterValue(register)

    # -- instructions ------------------------------------------------------------------------------
    def append(self, node: Node) -> None:
        emitted = self._emitted = self._emitted + 1
        if emitted > self.budgets.instructions:
            raise BudgetExceeded(f"more than {self.budgets.instructions} instructions after unrolling")
        if not emitted & 4095:
            self.check_clock()
        self._bodies[-1].append(node)

    def check_clock(self) -> None:
        if time.monotonic() - self._started > self.budgets.seconds:
            raise BudgetExceeded(f"specialization took longer than {self.budgets.seconds:g} s")

    def emit(
        self, opcode: Opcode, operands: dict[str, Any], origin: Origin, name: str | None = None
    ) -> Instruction:
        converted = []
        written = []
        for key, value in operands.items():
            kind = type(value)
            if kind is Tensor:
                converted.append((key, value.__dict__.get("_pattern") or value.pattern()))
                if key in OUTPUT_OPERANDS:
                    written.append(value.storage.id)
                continue
            if kind in _SCALARS:  # known, and its own operand
                converted.append((key, value))
                continue
            if is_unknown(value):
                self.complete = False
            elif key in OUTPUT_OPERANDS and isinstance(value, Tensor):
                written.append(value.storage.id)
            converted.append((key, to_operand(value)))
        label = name if isinstance(name, str) else None
        instruction = Instruction(
            opcode, tuple(converted), origin, label, self._next_instruction, self._region
        )
        self._next_instruction += 1
        self.append(instruction)
        self.written.update(written)
        return instruction

    # -- scheduling metadata (nki-language-rules.md §2.9) -------------------------------------------
    @contextmanager
    def no_reorder(self, active: bool = True) -> Iterator[None]:
        """Instructions emitted inside share one region; a nested block stays in the outer region."""
        outer = self._region
        if active and outer is None:
            self._region = self._next_region
            self._next_region += 1
        try:
            yield
        finally:
            self._region = outer

    def depends_on(self, consumer: int, producers: list[int]) -> None:
        for producer in producers:
            if 0 <= producer != consumer and consumer >= 0:
                self.program.depends_on.append((consumer, producer))

    def open_body(self) -> None:
        self._bodies.append([])

    def close_loop(
        self,
        opcode: Opcode,
        register: RegisterValue,
        lower: Any,
        upper: Any,
        step: int,
        origin: Origin,
        next_register: Any = None,
    ) -> Loop:
        body = tuple(self._bodies.pop())
        loop = Loop(
            opcode,
            register.register,
            to_operand(lower) if not is_unknown(lower) else None,
            to_operand(upper) if not is_unknown(upper) else None,
            step,
            body,
            origin,
            next_register.register if isinstance(next_register, RegisterValue) else None,
        )
        if is_unknown(lower) or is_unknown(upper):
            self.complete = False
        self.append(loop)
        return loop

    # -- editor facts ------------------------------------------------------------------------------
    def record(self, path: str, span: Span, value: Any) -> None:
        kind = type(value)
        if kind is not Tensor and not isinstance(value, Tensor):
            slot_key = (path, span.start, span.end)
            slot = self._scalar_slots.get(slot_key)
            if slot is None:
                slot = self._scalar_slots[slot_key] = ScalarValues()
                self.scalars.setdefault(path, {})[span] = slot
            if kind in _SCALARS or is_scalar_value(value):
                slot.add(value)
            else:
                slot.opaque += 1
            return
        # the fact but its name (view pairs for the shape: finer, and shared by unrolled allocations)
        key = (path, span.start, span.end, value.dims, value.dtype, value.storage.buffer)
        if key in self._recorded:
            return
        self._recorded.add(key)
        seen = self.facts.setdefault(path, {}).setdefault(span, [])
        fact = tensor_fact(value)
        if fact not in seen:
            seen.append(fact)


__all__ = [
    "Budgets",
    "BudgetExceeded",
    "Builder",
    "ScalarValues",
    "TensorFact",
    "UNKNOWN",
    "is_scalar_value",
    "to_operand",
]
