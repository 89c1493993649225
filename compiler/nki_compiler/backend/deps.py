"""Dependencies between the ops of one straight-line block.

Accesses are first mapped to physical rectangles (allocated SBUF/PSUM addresses), so reusing an address
orders the new tensor after the old one's last use, exactly like the hardware semaphores must. Edges:
read-after-write, write-after-write and write-after-read on overlapping bytes, plus explicit `after`
edges (`depends_on`, `with_schedule`). A write that covers earlier accesses retires them: only the last
writers of a region and its readers since then can order a later op. Per storage, the live accesses are
kept sorted by start byte, so a lookup bisects to the window that can overlap instead of scanning all.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from nki_compiler.backend.alloc import Allocation
from nki_compiler.backend.model import Access, Model, Op


class AccessIndex:
    """Accesses of one storage (with the op that made them), sorted by their first byte."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.entries: list[tuple[Access, int]] = []
        self.widest = 0  # longest byte range ever added: bounds how far left an overlap can start

    def add(self, access: Access, op: int) -> None:
        at = bisect_right(self.starts, access.lo)
        self.starts.insert(at, access.lo)
        self.entries.insert(at, (access, op))
        self.widest = max(self.widest, access.hi - access.lo)

    def overlapping(self, access: Access) -> list[int]:
        first = bisect_right(self.starts, access.lo - self.widest)
        last = bisect_left(self.starts, access.hi)
        return [op for other, op in self.entries[first:last] if other.overlaps(access)]

    def retire_covered(self, access: Access) -> None:
        first = bisect_left(self.starts, access.lo)
        last = bisect_right(self.starts, access.hi)
        if first == last:
            return
        kept = [entry for entry in self.entries[first:last] if not access.covers(entry[0])]
        self.entries[first:last] = kept
        self.starts[first:last] = [entry[0].lo for entry in kept]


def physical(access: Access, model: Model, allocation: Allocation) -> Access:
    placement = allocation.placements.get(access.storage)
    buffer = model.buffers.get(access.storage)
    if placement is None or buffer is None or not buffer.on_chip:
        return access
    memory = -1 if buffer.memory == "sbuf" else -2
    return Access(memory, placement.partition + access.p_lo, placement.partition + access.p_hi,
                  placement.offset + access.lo, placement.offset + access.hi)  # fmt: skip


def dependencies(ops: list[Op], model: Model, allocation: Allocation) -> dict[int, set[int]]:
    """For each op index in `ops`, the op indices (within `ops`) it must wait for."""
    writers: dict[int, AccessIndex] = defaultdict(AccessIndex)
    readers: dict[int, AccessIndex] = defaultdict(AccessIndex)
    members = {op.index for op in ops}
    preds: dict[int, set[int]] = {}
    for op in ops:
        found = {p for p in op.after if p in members}
        reads = [physical(a, model, allocation) for a in op.reads]
        writes = [physical(a, model, allocation) for a in op.writes]
        for access in reads:
            found.update(writers[access.storage].overlapping(access))
        for access in writes:
            found.update(writers[access.storage].overlapping(access))
            found.update(readers[access.storage].overlapping(access))
        found.discard(op.index)
        preds[op.index] = found
        for access in reads:
            readers[access.storage].add(access, op.index)
        for access in writes:
            writers[access.storage].retire_covered(access)
            readers[access.storage].retire_covered(access)
            writers[access.storage].add(access, op.index)
    return preds
