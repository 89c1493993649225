"""Live ranges of on-chip tensors over program positions.

A tensor is live from its first to its last use. A tensor used inside a runtime loop stays resident for
the whole loop (every iteration may touch it), so its range is widened to cover each enclosing loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from nki_compiler.backend.model import Model


@dataclass(frozen=True)
class LiveRange:
    buffer: int
    start: int
    end: int  # inclusive

    def overlaps(self, other: LiveRange) -> bool:
        return self.start <= other.end and other.start <= self.end


def live_ranges(model: Model) -> dict[int, LiveRange]:
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for position, buffer in model.uses:
        if model.buffers.get(buffer) is None or not model.buffers[buffer].on_chip:
            continue
        first[buffer] = min(first.get(buffer, position), position)
        last[buffer] = max(last.get(buffer, position), position)
    ranges = {b: LiveRange(b, first[b], last[b]) for b in first}
    for buffer, live in ranges.items():
        ranges[buffer] = _widen(live, model.loops)
    return ranges


def _widen(live: LiveRange, loops: list[tuple[int, int]]) -> LiveRange:
    start, end = live.start, live.end
    changed = True
    while changed:
        changed = False
        for lo, hi in loops:
            touches = lo < end and start <= hi  # positions (lo, hi] belong to the loop body
            if touches and (lo + 1 < start or hi > end):
                start, end = min(start, lo + 1), max(end, hi)
                changed = True
    return LiveRange(live.buffer, start, end)
