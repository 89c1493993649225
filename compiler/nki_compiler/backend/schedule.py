"""List scheduling of each straight-line block onto the engines and DMA queues.

Priority: the critical-path length from an op to the end of its block (its own duration plus the longest
chain of successors), ties broken by program order. At every event time each idle engine (each idle DMA
queue) starts its highest-priority ready op. Blocks run one after another; a runtime loop runs its body
`trips` times back to back (no overlap between iterations or with the code around the loop: the loop's
semaphores and branch make it a barrier in this model).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from nki_compiler.backend.alloc import Allocation
from nki_compiler.backend.cost_model import Hardware, duration_ns
from nki_compiler.backend.deps import dependencies
from nki_compiler.backend.model import Block, Model, Op


@dataclass(frozen=True)
class Slice:
    op: Op
    track: str  # "tensor", "vector", ..., "dma3"
    start: float  # ns
    end: float
    repeat: int = 1  # times this slice recurs (runtime loop trips)


@dataclass
class Schedule:
    slices: list[Slice] = field(default_factory=list)
    latency: float = 0.0
    busy: dict[str, float] = field(default_factory=dict)  # engine -> ns (loop trips included)
    critical: list[Slice] = field(default_factory=list)


def schedule(model: Model, allocation: Allocation, hw: Hardware) -> Schedule:
    result = Schedule()
    result.latency = _blocks(model.blocks, 0.0, 1, model, allocation, hw, result)
    return result


def _blocks(blocks: list[Block], start: float, repeat: int, model: Model, allocation: Allocation, hw: Hardware,
            result: Schedule) -> float:  # fmt: skip
    clock = start
    for block in blocks:
        if block.is_loop:
            body = _blocks(block.children, clock, repeat * max(block.trips, 0), model, allocation, hw, result)
            clock += (body - clock) * max(block.trips, 0)
        else:
            clock = _straight(block.ops, clock, repeat, model, allocation, hw, result)
    return clock


def _straight(ops: list[Op], start: float, repeat: int, model: Model, allocation: Allocation, hw: Hardware,
              result: Schedule) -> float:  # fmt: skip
    if not ops:
        return start
    preds = dependencies(ops, model, allocation)
    cost = {op.index: duration_ns(op, hw) for op in ops}
    priority = _priorities(ops, preds, cost)
    slices = _list_schedule(ops, preds, cost, priority, int(hw["dma_queues"]), start, repeat)
    result.slices.extend(slices.values())
    for s in slices.values():
        result.busy[s.op.engine] = result.busy.get(s.op.engine, 0.0) + (s.end - s.start) * repeat
    end = max(s.end for s in slices.values())
    result.critical.extend(_critical(slices, preds))
    return end


def _priorities(ops: list[Op], preds: dict[int, set[int]], cost: dict[int, float]) -> dict[int, float]:
    succs: dict[int, list[int]] = {op.index: [] for op in ops}
    for index, before in preds.items():
        for p in before:
            succs[p].append(index)
    priority: dict[int, float] = {}
    for op in reversed(ops):
        priority[op.index] = cost[op.index] + max((priority[s] for s in succs[op.index]), default=0.0)
    return priority


def _list_schedule(ops: list[Op], preds: dict[int, set[int]], cost: dict[int, float], priority: dict[int, float],
                   dma_queues: int, start: float, repeat: int) -> dict[int, Slice]:  # fmt: skip
    by_index = {op.index: op for op in ops}
    waiting = {op.index: len(preds[op.index]) for op in ops}
    succs: dict[int, list[int]] = {op.index: [] for op in ops}
    for index, before in preds.items():
        for p in before:
            succs[p].append(index)
    units = _units(dma_queues)
    free_at = dict.fromkeys(units, start)
    ready: dict[str, list[tuple[float, int]]] = {engine: [] for engine in {u[0] for u in units.values()}}
    for op in ops:
        if waiting[op.index] == 0:
            heapq.heappush(ready[op.engine], (-priority[op.index], op.index))
    events: list[tuple[float, int]] = []
    slices: dict[int, Slice] = {}
    now = start
    units_of: dict[str, list[str]] = {}
    for unit, (engine, _) in units.items():
        units_of.setdefault(engine, []).append(unit)
    while len(slices) < len(ops):
        for engine, queue in ready.items():
            for unit in units_of[engine] if queue else ():
                if free_at[unit] <= now and queue:
                    _, index = heapq.heappop(queue)
                    end = now + cost[index]
                    slices[index] = Slice(by_index[index], unit, now, end, repeat)
                    free_at[unit] = end
                    heapq.heappush(events, (end, index))
        if not events:
            break
        now = events[0][0]
        while events and events[0][0] <= now:
            _, done = heapq.heappop(events)
            for succ in succs[done]:
                waiting[succ] -= 1
                if waiting[succ] == 0:
                    heapq.heappush(ready[by_index[succ].engine], (-priority[succ], succ))
    return slices


def _units(dma_queues: int) -> dict[str, tuple[str, int]]:
    units = {engine: (engine, 0) for engine in ("tensor", "vector", "scalar", "gpsimd", "sync")}
    units.update({f"dma{q}": ("dma", q) for q in range(max(1, dma_queues))})
    return units


def _critical(slices: dict[int, Slice], preds: dict[int, set[int]]) -> list[Slice]:
    """Walk back from the last op to finish: through the pred (or same-track op) that ended last before it."""
    by_track: dict[str, list[Slice]] = {}
    for s in sorted(slices.values(), key=lambda s: s.start):
        by_track.setdefault(s.track, []).append(s)
    previous_on_track: dict[int, Slice] = {}
    for track_slices in by_track.values():
        for before, after in zip(track_slices, track_slices[1:], strict=False):
            previous_on_track[after.op.index] = before
    current: Slice | None = max(slices.values(), key=lambda s: (s.end, s.op.index))
    path: list[Slice] = []
    while current is not None:
        path.append(current)
        options = [slices[p] for p in preds[current.op.index] if p in slices]
        if current.op.index in previous_on_track:
            options.append(previous_on_track[current.op.index])
        options = [o for o in options if o.end <= current.start + 1e-9]
        current = max(options, key=lambda s: (s.end, s.op.index)) if options else None
    return list(reversed(path))
