"""SBUF and PSUM address allocation over live ranges (linear scan, first fit on rectangles).

A tensor occupies partitions `[start, start + P)` at the same byte offset in each (nki-api.md §1.1).
Partition starts follow the alignment rule: P > 64 -> 0; 32 < P <= 64 -> 0 or 64; P <= 32 -> a quadrant.
SBUF byte offsets are aligned to `SBUF_ALIGN` (ASSUMPTION: 64 B); PSUM is handed out in whole 2 KiB
banks (ASSUMPTION, matching the usual "eight PSUM tiles" budget). User `address=` pins are placed first,
as given, and checked.

Reusing an address orders the new tensor after the old one's last use (see deps.py), so first fit on its
own would serialise every loop iteration. A freed rectangle therefore "cools" for `COOLING` program
positions: the allocator first looks for room that no recently-freed tensor held (which gives the
rotating multi-buffering a compiler does), and reuses warm space only when nothing else fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nki_compiler.backend.alloc_space import Grid, Sweep, granule, partition_bounds
from nki_compiler.backend.liveness import LiveRange, live_ranges
from nki_compiler.backend.model import Buffer, Model
from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic, Note, Severity
from nki_compiler.source import Span

PARTITIONS = 128
SBUF_BYTES = {"trn1": 192 * 1024, "trn2": 224 * 1024, "trn3": 256 * 1024}  # per partition, API §1.2
PSUM_BYTES = 16 * 1024  # per partition, API §1.2
PSUM_BANK = 2048
SBUF_ALIGN = 64
COOLING = 256


@dataclass(frozen=True)
class Placement:
    buffer: int
    partition: int
    offset: int
    size: int  # bytes per partition reserved
    partitions: int = PARTITIONS


@dataclass
class Allocation:
    placements: dict[int, Placement] = field(default_factory=dict)
    ranges: dict[int, LiveRange] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    capacity: dict[str, int] = field(default_factory=dict)
    peak: dict[str, tuple[int, int]] = field(default_factory=dict)  # memory -> (bytes/partition, position)


def capacity(memory: str, target: str) -> int:
    return PSUM_BYTES if memory == "psum" else SBUF_BYTES.get(target, SBUF_BYTES["trn2"])


def reserved_size(buffer: Buffer) -> int:
    if buffer.memory == "psum":
        return -(-max(buffer.bytes_per_partition, 1) // PSUM_BANK) * PSUM_BANK
    return -(-max(buffer.bytes_per_partition, 1) // SBUF_ALIGN) * SBUF_ALIGN


def partition_starts(partitions: int) -> tuple[int, ...]:
    if partitions > 64:
        return (0,)
    if partitions > 32:
        return (0, 64)
    return (0, 32, 64, 96)


def allocate(model: Model) -> Allocation:
    result = Allocation(ranges=live_ranges(model))
    for memory in ("sbuf", "psum"):
        result.capacity[memory] = capacity(memory, model.target)
        buffers = [model.buffers[b] for b in result.ranges if model.buffers[b].memory == memory]
        _allocate_memory(model, memory, buffers, result)
        result.peak[memory] = _peak(buffers, result.ranges)
    return result


def _allocate_memory(model: Model, memory: str, buffers: list[Buffer], result: Allocation) -> None:
    limit = result.capacity[memory]
    ranges = result.ranges
    pinned = [b for b in buffers if b.pin is not None]
    free = sorted(
        (b for b in buffers if b.pin is None), key=lambda b: (ranges[b.id].start, -reserved_size(b), b.id)
    )
    pinned_placements: list[Placement] = []
    for buffer in pinned:
        pin = buffer.pin or (0, 0)
        placement = Placement(buffer.id, pin[0], pin[1], reserved_size(buffer), buffer.partitions)
        problem = _pin_problem(buffer, placement, limit, pinned_placements, ranges)
        if problem:
            result.diagnostics.append(_diagnostic(model, "NKI603", buffer, [], t=buffer.name, detail=problem))
        result.placements[buffer.id] = placement
        pinned_placements.append(placement)
    sweep = _sweep(memory, limit, pinned_placements, free)
    for placement in pinned_placements:
        sweep.place(_rect(placement), ranges[placement.buffer], tracked_live=False)
    placed_live: dict[int, Placement] = {}
    for buffer in free:
        live = ranges[buffer.id]
        sweep.advance(live.start)
        pins = [p for p in pinned_placements if ranges[p.buffer].overlaps(live)]
        found = _first_fit(buffer, sweep.recent, [], limit) or _first_fit(buffer, sweep.live, pins, limit)
        if found is None:
            overlapping = [p for p in placed_live.values() if ranges[p.buffer].end >= live.start] + pins
            result.diagnostics.append(_overflow(model, memory, buffer, overlapping, limit, result))
            continue
        result.placements[buffer.id] = found
        placed_live[buffer.id] = found
        sweep.place(_rect(found), live)


def _sweep(memory: str, limit: int, pinned: list[Placement], free: list[Buffer]) -> Sweep:
    shapes = [(p.partition, p.partitions) for p in pinned]
    for parts in {max(1, min(b.partitions, PARTITIONS)) for b in free}:
        shapes += [(start, parts) for start in partition_starts(parts)]
    align = PSUM_BANK if memory == "psum" else SBUF_ALIGN
    step = granule(align, limit, [(p.offset, p.size) for p in pinned])
    return Sweep(partition_bounds(shapes), step, limit, COOLING)


def _rect(placement: Placement) -> tuple[int, int, int, int]:
    return placement.partition, placement.partitions, placement.offset, placement.size


def _first_fit(buffer: Buffer, grid: Grid, pins: list[Placement], limit: int) -> Placement | None:
    """Lowest offset over the allowed partition starts (the first start wins a tie)."""
    size = reserved_size(buffer)
    parts = max(1, min(buffer.partitions, PARTITIONS))
    best: Placement | None = None
    for start in partition_starts(parts):
        occupied = grid.occupied(start, parts)
        for pin in pins:
            if _rows_overlap(pin, start, parts):
                occupied = occupied.copy()
                occupied[grid.columns(pin.offset, pin.size)] = True
        offset = grid.first_fit(occupied, size)
        if offset is not None and offset + size <= limit and (best is None or offset < best.offset):
            best = Placement(buffer.id, start, offset, size, parts)
    return best


def _rows_overlap(placement: Placement, start: int, parts: int) -> bool:
    return placement.partition < start + parts and start < placement.partition + placement.partitions


def _pin_problem(buffer: Buffer, placement: Placement, limit: int, active: list[Placement],
                 ranges: dict[int, LiveRange]) -> str:  # fmt: skip
    parts = buffer.partitions
    if placement.partition not in partition_starts(parts) or placement.partition + parts > PARTITIONS:
        return f"partition start {placement.partition} is not allowed for {parts} partitions"
    if buffer.memory == "psum" and placement.offset % PSUM_BANK:
        return f"byte offset {placement.offset} is not at a 2 KiB PSUM bank boundary"
    if placement.offset < 0 or placement.offset + buffer.bytes_per_partition > limit:
        return f"bytes {placement.offset}..{placement.offset + buffer.bytes_per_partition} exceed {limit} per partition"
    for other in active:
        if (
            ranges[other.buffer].overlaps(ranges[buffer.id])
            and _rows_overlap(other, placement.partition, parts)
            and (
                other.offset < placement.offset + buffer.bytes_per_partition
                and placement.offset < other.offset + other.size
            )
        ):
            return f"it overlaps another pinned tensor that is live at the same time (id {other.buffer})"
    return ""


def _peak(buffers: list[Buffer], ranges: dict[int, LiveRange]) -> tuple[int, int]:
    events: list[tuple[int, int]] = []
    for buffer in buffers:
        live = ranges[buffer.id]
        events += [(live.start, reserved_size(buffer)), (live.end + 1, -reserved_size(buffer))]
    events.sort(key=lambda e: (e[0], e[1]))
    best, where, level = 0, 0, 0
    for position, delta in events:
        level += delta
        if level > best:
            best, where = level, position
    return best, where


def usage_timeline(model: Model, allocation: Allocation, memory: str) -> list[tuple[int, int]]:
    """(position, bytes per partition in use) at each change, for the report."""
    events: dict[int, int] = {}
    for buffer_id, live in allocation.ranges.items():
        buffer = model.buffers[buffer_id]
        if buffer.memory != memory:
            continue
        events[live.start] = events.get(live.start, 0) + reserved_size(buffer)
        events[live.end + 1] = events.get(live.end + 1, 0) - reserved_size(buffer)
    level, timeline = 0, []
    for position in sorted(events):
        level += events[position]
        timeline.append((position, level))
    return timeline


def _overflow(model: Model, memory: str, buffer: Buffer, live: list[Placement], limit: int,
              result: Allocation) -> Diagnostic:  # fmt: skip
    code = "NKI601" if memory == "sbuf" else "NKI602"
    used = sum(p.size for p in live)
    largest = sorted(live, key=lambda p: (-p.size, p.buffer))[:3]
    notes = [(model.buffers[p.buffer], f"live here: `{model.buffers[p.buffer].name}` ({p.size} B per partition)")
             for p in largest]  # fmt: skip
    diagnostic = _diagnostic(model, code, buffer, notes, t=buffer.name, n=reserved_size(buffer), used=used,
                             capacity=limit)  # fmt: skip
    return _with_peak_note(model, memory, result, diagnostic)


def _with_peak_note(model: Model, memory: str, result: Allocation, diagnostic: Diagnostic) -> Diagnostic:
    ranges = result.ranges
    buffers = [model.buffers[b] for b in ranges if model.buffers[b].memory == memory]
    level, position = _peak(buffers, ranges)
    site = model.sites.get(position)
    if site is None:
        return diagnostic
    note = Note(f"peak {memory.upper()} demand: {level} B per partition at this instruction", site[0],
                Span(site[1], site[2]))  # fmt: skip
    return replace(diagnostic, notes=(note, *diagnostic.notes))


def _diagnostic(
    model: Model, code: str, buffer: Buffer, notes: list[tuple[Buffer, str]], **params: object
) -> Diagnostic:
    entry = rule(code)
    span = Span(*buffer.span) if buffer.span else Span(0, 0)
    related = tuple(Note(text, other.path or buffer.path, Span(*other.span) if other.span else span)
                    for other, text in notes)  # fmt: skip
    return Diagnostic(
        code, entry.severity or Severity.ERROR, entry.format(**params), buffer.path, span, related
    )
