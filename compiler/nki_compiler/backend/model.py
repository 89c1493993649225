"""The back end's narrow view of a program, independent of the IR's details.

An `Op` is one instruction with its engine, the memory rectangles it reads and writes and the sizes the
cost model needs; a `Buffer` is one storage; a `Block` is a straight-line run of ops or a runtime loop.
`from_program` adapts an `ir.Program`; tests can also build a `Model` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENGINES = ("tensor", "vector", "scalar", "gpsimd", "sync", "dma")


@dataclass(frozen=True)
class Access:
    """A rectangle of one storage: partitions `[p_lo, p_hi)` x bytes `[lo, hi)` within each partition.

    HBM storages have a single partition (0, 1) and flat byte ranges."""

    storage: int
    p_lo: int
    p_hi: int
    lo: int
    hi: int

    def overlaps(self, other: Access) -> bool:
        return (
            self.storage == other.storage
            and self.p_lo < other.p_hi
            and other.p_lo < self.p_hi
            and self.lo < other.hi
            and other.lo < self.hi
        )

    def covers(self, other: Access) -> bool:
        return (
            self.storage == other.storage
            and self.p_lo <= other.p_lo
            and other.p_hi <= self.p_hi
            and self.lo <= other.lo
            and other.hi <= self.hi
        )


@dataclass(frozen=True)
class Buffer:
    id: int
    name: str
    memory: str  # sbuf | psum | hbm
    partitions: int
    bytes_per_partition: int
    pin: tuple[int, int] | None = None  # user `address=(partition, byte offset)`
    line: int = 0
    path: str = ""
    span: tuple[int, int] | None = None  # where it is allocated (code points), for diagnostics

    @property
    def on_chip(self) -> bool:
        return self.memory in ("sbuf", "psum")


@dataclass
class Op:
    index: int
    opcode: str
    engine: str
    reads: tuple[Access, ...] = ()
    writes: tuple[Access, ...] = ()
    partitions: int = 1  # active partitions / lanes
    free_elements: int = 1  # elements per partition of the largest operand
    dtype_bytes: int = 4  # bytes per element of the widest input
    bytes_moved: int = 0  # DMA payload
    contraction: int = 0  # nc_matmul: K (partitions of the inputs)
    stationary: int = 0  # nc_matmul: M (free size of stationary)
    moving: int = 0  # nc_matmul: N (free size of moving)
    line: int = 0
    path: str = ""
    label: str = ""  # user `name=`
    after: tuple[int, ...] = ()  # explicit scheduling edges (op indices that must finish first)

    @property
    def title(self) -> str:
        return f"{self.opcode} L{self.line}" if self.line else self.opcode


@dataclass
class Block:
    """A straight-line run of ops (`trips == 1`, `children == []`) or a runtime loop over `children`."""

    ops: list[Op] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    trips: int = 1
    line: int = 0

    @property
    def is_loop(self) -> bool:
        return bool(self.children) or self.trips != 1


@dataclass
class Model:
    target: str
    buffers: dict[int, Buffer]
    blocks: list[Block]  # top level, in program order
    uses: list[tuple[int, int]] = field(default_factory=list)  # (position, buffer id) in program order
    loops: list[tuple[int, int]] = field(default_factory=list)  # position ranges of runtime loops
    sites: dict[int, tuple[str, int, int, int]] = field(default_factory=dict)  # position -> path, span, line
    kernel: str = ""

    def ops(self) -> list[Op]:
        result: list[Op] = []

        def walk(blocks: list[Block]) -> None:
            for block in blocks:
                result.extend(block.ops)
                walk(block.children)

        walk(self.blocks)
        return result
