"""The NKI IR: a flat list of instructions plus structured runtime loops (nki-language-rules.md §2.1).

Every `nisa.*` call becomes one `Instruction` whose operands keep the `nki.isa` parameter names (`dst`,
`src`, `data1`, `op`, ...), so a simulator can call `semantics[opcode](**operands)`. Operand values are
`AccessPattern`s, `Register`s, Python scalars/strings/None, tuples of those, and API constants (dtype
strings, enum members, `nl` operator functions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nki_compiler.ir.access import AccessPattern, Storage
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.slots import slot_setters
from nki_compiler.source import Span


@dataclass(frozen=True, slots=True)
class Register:
    """A runtime 32-bit scalar (`nisa.VirtualRegister`, a runtime loop's induction value)."""

    id: int
    name: str = ""
    frozen: bool = False

    @property
    def label(self) -> str:
        return f"$r{self.id}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an instruction comes from: file, span, and the chain of inlined calls (outermost first)."""

    path: str
    span: Span
    chain: tuple[tuple[str, str, Span], ...] = ()  # (function name, path, call span)


@dataclass(frozen=True, slots=True, init=False)
class Instruction:
    opcode: Opcode
    operands: tuple[tuple[str, Any], ...]
    origin: Origin
    name: str | None = None  # the user's `name=` (scheduling label)
    id: int = field(default=-1, compare=False)  # emission number, the key of `Program.depends_on`
    no_reorder: int | None = None  # the outermost `nl.no_reorder()` region it was emitted in

    def __init__(
        self,
        opcode: Opcode,
        operands: tuple[tuple[str, Any], ...],
        origin: Origin,
        name: str | None = None,
        id: int = -1,  # noqa: A002  (the field's name)
        no_reorder: int | None = None,
    ) -> None:
        set_opcode, set_operands, set_origin, set_name, set_id, set_no_reorder = _INSTRUCTION_SETTERS
        set_opcode(self, opcode)
        set_operands(self, operands)
        set_origin(self, origin)
        set_name(self, name)
        set_id(self, id)
        set_no_reorder(self, no_reorder)

    def operand(self, key: str, default: Any = None) -> Any:
        for name, value in self.operands:
            if name == key:
                return value
        return default

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.operands)

    def patterns(self) -> Iterator[tuple[str, AccessPattern]]:
        for name, value in self.operands:
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, AccessPattern):
                    yield name, item


_INSTRUCTION_SETTERS = slot_setters(Instruction)


@dataclass(frozen=True, slots=True)
class Loop:
    """A runtime loop: `fori_loop` (`register` counts `lower..upper` by `step`) or `while_loop`
    (`register` holds the condition; the body recomputes it into `next_register`)."""

    opcode: Opcode
    register: Register
    lower: int | Register | None
    upper: int | Register | None
    step: int
    body: tuple[Node, ...]
    origin: Origin
    next_register: Register | None = None


Node = Instruction | Loop


@dataclass
class Program:
    kernel: str
    target: str
    path: str
    arguments: tuple[tuple[str, Any], ...] = ()  # parameter name -> AccessPattern (HBM) or value
    storages: list[Storage] = field(default_factory=list)
    body: list[Node] = field(default_factory=list)
    outputs: tuple[Any, ...] = ()  # AccessPatterns (or Unknown) returned by the kernel
    prints: list[str] = field(default_factory=list)
    #: Scheduling metadata (nki-language-rules.md §2.9): `consumer.depends_on(producer)` edges by
    #: `Instruction.id`, and the `kernel.with_schedule([...])` pairs by `name=`.
    depends_on: list[tuple[int, int]] = field(default_factory=list)
    schedule: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def instructions(self) -> Iterator[Instruction]:
        """Every instruction in program order, loop bodies included (each once)."""
        stack: list[Iterator[Node]] = [iter(self.body)]
        while stack:
            node = next(stack[-1], None)
            if node is None:
                stack.pop()
            elif isinstance(node, Loop):
                stack.append(iter(node.body))
            else:
                yield node

    def count(self) -> int:
        """The number of instructions `instructions()` yields."""
        total = 0
        bodies: list[Any] = [self.body]
        while bodies:
            body = bodies.pop()
            loops = [node for node in body if isinstance(node, Loop)]
            total += len(body) - len(loops)
            bodies.extend(loop.body for loop in loops)
        return total


def verify(program: Program) -> list[str]:
    """Structural invariants; an empty list means the program is well formed."""
    problems: list[str] = []
    known = {s.id for s in program.storages}
    for instruction in program.instructions():
        for name, pattern in instruction.patterns():
            if pattern.storage.id not in known:
                problems.append(f"{instruction.opcode.value}.{name}: unknown storage {pattern.storage.label}")
            if pattern.offset < 0 or any(count < 0 for _, count in pattern.pairs):
                problems.append(f"{instruction.opcode.value}.{name}: negative offset or count")
    return problems
