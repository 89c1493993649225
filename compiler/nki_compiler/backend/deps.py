"""Dependencies between the ops of one straight-line block.

Accesses are first mapped to physical rectangles (allocated SBUF/PSUM addresses), so reusing an address
orders the new tensor after the old one's last use, exactly like the hardware semaphores must. Edges:
read-after-write, write-after-write and write-after-read on overlapping bytes, plus explicit `after`
edges (`depends_on`, `with_schedule`). A write that covers earlier accesses retires them, which keeps the
per-location lists short (they are also bucketed by 4 KiB of address).
"""

from __future__ import annotations

from collections import defaultdict

from nki_compiler.backend.alloc import Allocation
from nki_compiler.backend.model import Access, Model, Op

BUCKET = 4096
Key = tuple[str, int, int]


def physical(access: Access, model: Model, allocation: Allocation) -> Access:
    placement = allocation.placements.get(access.storage)
    buffer = model.buffers.get(access.storage)
    if placement is None or buffer is None or not buffer.on_chip:
        return access
    memory = -1 if buffer.memory == "sbuf" else -2
    return Access(memory, placement.partition + access.p_lo, placement.partition + access.p_hi,
                  placement.offset + access.lo, placement.offset + access.hi)  # fmt: skip


def _keys(access: Access) -> list[Key]:
    if access.storage >= 0:
        return [("s", access.storage, 0)]
    first, last = access.lo // BUCKET, max(access.lo, access.hi - 1) // BUCKET
    return [("m", access.storage, chunk) for chunk in range(first, last + 1)]


def dependencies(ops: list[Op], model: Model, allocation: Allocation) -> dict[int, set[int]]:
    """For each op index in `ops`, the op indices (within `ops`) it must wait for."""
    writers: dict[Key, list[tuple[Access, int]]] = defaultdict(list)
    readers: dict[Key, list[tuple[Access, int]]] = defaultdict(list)
    members = {op.index for op in ops}
    preds: dict[int, set[int]] = {}
    for op in ops:
        found = {p for p in op.after if p in members}
        reads = [physical(a, model, allocation) for a in op.reads]
        writes = [physical(a, model, allocation) for a in op.writes]
        for access in reads:
            for key in _keys(access):
                found.update(i for other, i in writers[key] if other.overlaps(access))
        for access in writes:
            for key in _keys(access):
                found.update(i for other, i in writers[key] if other.overlaps(access))
                found.update(i for other, i in readers[key] if other.overlaps(access))
        found.discard(op.index)
        preds[op.index] = found
        for access in reads:
            for key in _keys(access):
                readers[key].append((access, op.index))
        for access in writes:
            for key in _keys(access):
                writers[key] = [w for w in writers[key] if not access.covers(w[0])]
                readers[key] = [r for r in readers[key] if not access.covers(r[0])]
                writers[key].append((access, op.index))
    return preds
