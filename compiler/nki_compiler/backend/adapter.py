"""`ir.Program` -> back-end `Model`: engines, byte rectangles, sizes, positions and runtime loops."""

from __future__ import annotations

import math
from bisect import bisect_left
from pathlib import Path

from nki_compiler.backend.model import Access, Block, Buffer, Model, Op
from nki_compiler.ir.access import AccessPattern, Storage, dtype_bytes
from nki_compiler.ir.opcodes import Opcode, family
from nki_compiler.ir.program import Instruction, Loop, Node, Program, Register
from nki_compiler.source import LineIndex

WRITTEN = frozenset({"dst", "val_dst", "idx_dst", "reduce_res", "dst_scale", "dst_idx"})
SCALAR_OPS = frozenset({Opcode.ACTIVATION, Opcode.ACTIVATION_REDUCE, Opcode.ACTIVATE2})
GPSIMD_OPS = frozenset({
    Opcode.IOTA, Opcode.LOCAL_GATHER, Opcode.NC_N_GATHER, Opcode.AFFINE_SELECT, Opcode.CORE_BARRIER,
    Opcode.SEQUENCE_BOUNDS, Opcode.NONZERO_WITH_COUNT,
})  # fmt: skip
SYNC_OPS = frozenset({
    Opcode.REGISTER_ALLOC, Opcode.REGISTER_MOVE, Opcode.REGISTER_LOAD, Opcode.REGISTER_STORE,
    Opcode.DEVICE_PRINT,
})  # fmt: skip
ENGINE_NAMES = {"tensor", "vector", "scalar", "gpsimd", "sync", "dma"}


def engine_of(instruction: Instruction) -> str:
    """The engine that runs an instruction (nki-api.md §4): an explicit `engine=` wins."""
    opcode = instruction.opcode
    if family(opcode) == "dma":
        return "dma"
    explicit = getattr(instruction.operand("engine"), "name", None)
    if explicit in ENGINE_NAMES and explicit != "dma":
        return str(explicit)
    if family(opcode) == "tensor_engine":
        return "tensor"
    if opcode in SCALAR_OPS:
        return "scalar"
    if opcode in GPSIMD_OPS or _is_power(instruction):
        return "gpsimd"
    if opcode in SYNC_OPS:
        return "sync"
    return "vector"


def _is_power(instruction: Instruction) -> bool:
    return (
        instruction.opcode == Opcode.TENSOR_TENSOR
        and getattr(instruction.operand("op"), "__name__", "") == "power"
    )


def access_of(pattern: AccessPattern) -> Access:
    """The byte rectangle a pattern touches (the whole storage when it is indirect)."""
    storage = pattern.storage
    item = dtype_bytes(pattern.dtype) or 4
    row = _row_bytes(storage)
    if pattern.indirect or not pattern.pairs:
        return Access(storage.id, 0, _partitions(storage), 0, row)
    start = pattern.offset * item
    pairs = pattern.free_pairs
    low = sum(stride * (count - 1) for stride, count in pairs if stride < 0 and count > 0)
    high = sum(stride * (count - 1) for stride, count in pairs if stride > 0 and count > 0)
    if not storage.on_chip:
        return Access(storage.id, 0, 1, start + low * item, start + (high + 1) * item)
    first = start // max(1, row)
    inner = start - first * row
    count = pattern.pairs[0][1] if pattern.pairs else 1
    return Access(storage.id, first, first + max(1, count), inner + low * item, inner + (high + 1) * item)


def _row_bytes(storage: Storage) -> int:
    item = dtype_bytes(storage.dtype) or 4
    return (storage.partition_elements if storage.on_chip else storage.size) * item


def _partitions(storage: Storage) -> int:
    return storage.shape[0] if storage.on_chip and storage.shape else 1


class _Adapter:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.position = 0
        self.op_count = 0
        self.uses: list[tuple[int, int]] = []
        self.loops: list[tuple[int, int]] = []
        self.alloc_spans: dict[int, tuple[str, tuple[int, int], int]] = {}
        self.indices: dict[str, LineIndex | None] = {}
        self.named: dict[str, list[int]] = {}  # `name=` -> op indices in program order
        self.by_id: dict[int, int] = {}  # `Instruction.id` -> op index
        self.region_last: dict[int, int] = {}  # `no_reorder` region -> its latest op
        self.sites: dict[int, tuple[str, int, int, int]] = {}

    def line(self, path: str, offset: int) -> int:
        if path not in self.indices:
            try:
                self.indices[path] = LineIndex(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                self.indices[path] = None
        index = self.indices[path]
        return index.line_of(offset) + 1 if index else 0

    def blocks(self, nodes: tuple[Node, ...] | list[Node]) -> list[Block]:
        result: list[Block] = []
        for node in nodes:
            if isinstance(node, Loop):
                result.append(self.loop(node))
                continue
            op = self.instruction(node)
            if op is None:
                continue
            if not result or result[-1].is_loop:
                result.append(Block())
            result[-1].ops.append(op)
        return result

    def loop(self, loop: Loop) -> Block:
        start = self.position
        children = self.blocks(loop.body)
        self.loops.append((start, self.position))
        line = self.line(loop.origin.path, loop.origin.span.start)
        return Block(children=children or [Block()], trips=_trips(loop), line=line)

    def instruction(self, instruction: Instruction) -> Op | None:
        self.position += 1
        origin = instruction.origin
        line = self.line(origin.path, origin.span.start)
        self.sites[self.position] = (origin.path, origin.span.start, origin.span.end, line)
        if instruction.opcode == Opcode.ALLOC:
            storage = instruction.operand("storage")
            if isinstance(storage, Storage):
                span = (origin.span.start, origin.span.end)
                self.alloc_spans[storage.id] = (origin.path, span, line)
            return None
        reads: list[Access] = []
        writes: list[Access] = []
        patterns = list(instruction.patterns())
        for key, pattern in patterns:
            access = access_of(pattern)
            (writes if key in WRITTEN else reads).append(access)
            if key == "dst" and instruction.operand("accumulate"):
                reads.append(access)
            if pattern.storage.on_chip:
                self.uses.append((self.position, pattern.storage.id))
            index = _index_pattern(pattern)
            if index is not None:  # the offsets of a vector_offset / indirect view are read too
                reads.append(access_of(index))
                if index.storage.on_chip:
                    self.uses.append((self.position, index.storage.id))
        op = Op(index=self.op_count, opcode=instruction.opcode.value, engine=engine_of(instruction),
                reads=tuple(reads), writes=tuple(writes), path=origin.path,
                line=line, label=instruction.name or "")  # fmt: skip
        self.op_count += 1
        _sizes(op, instruction, [p for _, p in patterns])
        if op.label:
            self.named.setdefault(op.label, []).append(op.index)
        if instruction.id >= 0:
            self.by_id[instruction.id] = op.index
        if instruction.no_reorder is not None:
            previous = self.region_last.get(instruction.no_reorder)
            op.after = () if previous is None else (previous,)
            self.region_last[instruction.no_reorder] = op.index
        return op


def _index_pattern(pattern: AccessPattern) -> AccessPattern | None:
    """The SBUF tensor holding a pattern's runtime offsets (scalar/vector offset or tensor indirection)."""
    value = getattr(pattern.dynamic, "value", None)
    return value if isinstance(value, AccessPattern) else None


def _sizes(op: Op, instruction: Instruction, patterns: list[AccessPattern]) -> None:
    if not patterns:
        return
    op.partitions = max((p.partition_count or 1) for p in patterns)
    op.free_elements = max((p.free_size if p.storage.on_chip else p.size) for p in patterns)
    inputs = [p for p in patterns if p is not instruction.operand("dst")] or patterns
    op.dtype_bytes = max(dtype_bytes(p.dtype) or 4 for p in inputs)
    if op.engine == "dma":
        op.bytes_moved = max(p.size * (dtype_bytes(p.dtype) or 4) for p in patterns)
    stationary, moving = instruction.operand("stationary"), instruction.operand("moving")
    if isinstance(stationary, AccessPattern) and isinstance(moving, AccessPattern):
        op.contraction = stationary.partition_count or 1
        op.stationary = stationary.free_size
        op.moving = moving.free_size
        op.dtype_bytes = max(dtype_bytes(stationary.dtype) or 4, dtype_bytes(moving.dtype) or 4)


def _trips(loop: Loop) -> int:
    """Trip count of a runtime loop; 1 when the bounds are runtime registers (unknown)."""
    lower, upper = loop.lower, loop.upper
    if isinstance(lower, int) and isinstance(upper, int) and not isinstance(lower, Register) and loop.step:
        return max(0, math.ceil((upper - lower) / loop.step))
    return 1


def _buffers(program: Program, adapter: _Adapter) -> dict[int, Buffer]:
    buffers: dict[int, Buffer] = {}
    for storage in program.storages:
        memory = storage.buffer if storage.on_chip else "hbm"
        path, span, line = adapter.alloc_spans.get(storage.id, (program.path, None, 0))
        buffers[storage.id] = Buffer(storage.id, storage.label, memory, _partitions(storage),
                                     _row_bytes(storage), storage.address, line, path, span)  # fmt: skip
    return buffers


def _explicit_edges(program: Program, ops: list[Op], adapter: _Adapter) -> None:
    """`depends_on` edges and `with_schedule` pairs as `Op.after` (no_reorder chains are already there).

    A `with_schedule` consumer waits for the nearest earlier op of each producer name (names repeat when
    a call sits in an unrolled loop). Edges against program order are dropped: the scheduler keeps data
    dependencies in program order, so a backward edge could only deadlock it.
    """
    extra: dict[int, set[int]] = {}
    for consumer, producer in program.depends_on:
        c, p = adapter.by_id.get(consumer), adapter.by_id.get(producer)
        if c is not None and p is not None and p < c:
            extra.setdefault(c, set()).add(p)
    for consumer_name, producer_names in program.schedule:
        for c in adapter.named.get(consumer_name, ()):
            for name in producer_names:
                instances = adapter.named.get(name, [])
                nearest = bisect_left(instances, c)
                if nearest:
                    extra.setdefault(c, set()).add(instances[nearest - 1])
    for c, producers in extra.items():
        ops[c].after = tuple(sorted(set(ops[c].after) | producers))


def from_program(program: Program) -> Model:
    adapter = _Adapter(program)
    blocks = adapter.blocks(program.body)
    model = Model(
        program.target,
        _buffers(program, adapter),
        blocks,
        adapter.uses,
        adapter.loops,
        adapter.sites,
        program.kernel,
    )
    _explicit_edges(program, model.ops(), adapter)
    return model
