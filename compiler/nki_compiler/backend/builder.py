"""Build IR programs by hand (tests, benchmarks): tensors, 2-D tile views, instructions, runtime loops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nki_compiler.ir.access import AccessPattern, Storage, contiguous_strides
from nki_compiler.ir.opcodes import BY_NAME, Opcode
from nki_compiler.ir.program import Instruction, Loop, Node, Origin, Program, Register
from nki_compiler.source import Span


class ProgramBuilder:
    def __init__(self, kernel: str, target: str = "trn1", path: str = "<built>") -> None:
        self.program = Program(kernel, target, path)
        self._bodies: list[list[Node]] = [self.program.body]
        self._registers = 0
        self._offset = 0

    def _origin(self) -> Origin:
        self._offset += 1
        return Origin(self.program.path, Span(self._offset, self._offset))

    def tensor(self, shape: tuple[int, ...], dtype: str, buffer: str, name: str = "",
               address: tuple[int, int] | None = None) -> Storage:  # fmt: skip
        kind = "arg" if buffer.endswith("hbm") and not name.startswith("out") else "alloc"
        storage = Storage(len(self.program.storages), name, shape, dtype, buffer, kind, address)
        self.program.storages.append(storage)
        if storage.on_chip:
            self._bodies[-1].append(Instruction(Opcode.ALLOC, (("storage", storage),), self._origin()))
        return storage

    @staticmethod
    def whole(storage: Storage) -> AccessPattern:
        strides = contiguous_strides(storage.shape)
        return AccessPattern(storage, 0, tuple(zip(strides, storage.shape, strict=True)), storage.dtype)

    @staticmethod
    def view(storage: Storage, rows: tuple[int, int], cols: tuple[int, int]) -> AccessPattern:
        """Rows `[r0, r0+n)` x columns `[c0, c0+m)` of a 2-D storage (rows = partitions when on chip)."""
        (r0, nr), (c0, nc) = rows, cols
        width = storage.shape[1]
        return AccessPattern(storage, r0 * width + c0, ((width, nr), (1, nc)), storage.dtype)

    def op(self, opcode: str, name: str | None = None, **operands: Any) -> Instruction:
        instruction = Instruction(BY_NAME[opcode], tuple(operands.items()), self._origin(), name)
        self._bodies[-1].append(instruction)
        return instruction

    @contextmanager
    def loop(self, trips: int) -> Iterator[None]:
        register = Register(self._registers, frozen=True)
        self._registers += 1
        origin = self._origin()
        body: list[Node] = []
        self._bodies.append(body)
        try:
            yield
        finally:
            self._bodies.pop()
            self._bodies[-1].append(Loop(Opcode.FORI_LOOP, register, 0, trips, 1, tuple(body), origin))
