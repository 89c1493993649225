"""Occupied space of one memory while the allocator sweeps tensors in order of their first use.

Two occupancy grids (partition classes x byte granules, as use counts) replace rescanning every placed
tensor: `recent` holds every tensor whose live range ended less than `cooling` positions ago (or is still
live), `live` the tensors live at the current position. A first fit is then one vectorised search for the
lowest run of free granules (a byte-string search for `need` zero bytes), which finds exactly the offset the sorted sweep over rectangles found: the
lowest offset that is 0 or the end of an occupied run and has room after it.

Partition classes are the intervals between every partition boundary a placement or a candidate start can
have, so "shares a class" is exactly "partition ranges overlap". Granules are the gcd of the alignment,
the capacity and every pinned offset and size, so every placement is a whole number of granules.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Iterable

import numpy as np

from nki_compiler.backend.liveness import LiveRange

PARTITIONS = 128


class Grid:
    """Use counts per partition class and byte granule."""

    def __init__(self, bounds: list[int], granule: int, limit: int) -> None:
        self.bounds = bounds
        self.granule = granule
        self.width = limit // granule
        self.counts = np.zeros((max(1, len(bounds) - 1), self.width), dtype=np.int32)
        self._rows: dict[tuple[int, int], slice] = {}

    def rows(self, partition: int, parts: int) -> slice:
        found = self._rows.get((partition, parts))
        if found is None:
            lo = min(max(partition, 0), PARTITIONS)
            hi = min(max(partition + parts, 0), PARTITIONS)
            found = self._rows[partition, parts] = slice(
                bisect_left(self.bounds, lo), bisect_left(self.bounds, hi)
            )
        return found

    def columns(self, offset: int, size: int) -> slice:
        lo = max(offset, 0) // self.granule
        hi = min(offset + size, self.width * self.granule)
        return slice(lo, max(lo, -(-hi // self.granule)))

    def add(self, partition: int, parts: int, offset: int, size: int, delta: int) -> None:
        self.counts[self.rows(partition, parts), self.columns(offset, size)] += delta

    def occupied(self, partition: int, parts: int) -> np.ndarray:
        rows = self.rows(partition, parts)
        if rows.stop - rows.start == 1:
            return self.counts[rows.start] > 0
        return np.asarray(self.counts[rows].any(axis=0))

    def first_fit(self, occupied: np.ndarray, size: int) -> int | None:
        """The lowest byte offset with `size` free bytes after it, or None."""
        need = -(-size // self.granule)
        if need > self.width:
            return None
        found = occupied.view(np.uint8).tobytes().find(bytes(need))
        return found * self.granule if found >= 0 else None


def partition_bounds(shapes: Iterable[tuple[int, int]]) -> list[int]:
    """Sorted partition boundaries of (start, partitions) rectangles, clipped to the array."""
    bounds = {0, PARTITIONS}
    for start, parts in shapes:
        bounds.add(min(max(start, 0), PARTITIONS))
        bounds.add(min(max(start + parts, 0), PARTITIONS))
    return sorted(bounds)


def granule(align: int, limit: int, pins: Iterable[tuple[int, int]]) -> int:
    step = math.gcd(align, limit)
    for offset, size in pins:
        step = math.gcd(step, math.gcd(abs(offset), size))
    return max(step, 1)


class Sweep:
    """The `recent` and `live` grids, advanced to each new tensor's first use."""

    def __init__(self, bounds: list[int], step: int, limit: int, cooling: int) -> None:
        self.recent = Grid(bounds, step, limit)
        self.live = Grid(bounds, step, limit)
        self.cooling = cooling
        self._recent_expiry: list[tuple[int, int, tuple[int, int, int, int]]] = []
        self._live_expiry: list[tuple[int, int, tuple[int, int, int, int]]] = []
        self._count = 0

    def place(self, rect: tuple[int, int, int, int], live: LiveRange, tracked_live: bool = True) -> None:
        """Occupy `rect` = (partition, partitions, offset, size) for the tensor live over `live`."""
        self._count += 1
        self.recent.add(*rect, 1)
        heapq.heappush(self._recent_expiry, (live.end + self.cooling, self._count, rect))
        if tracked_live:
            self.live.add(*rect, 1)
            heapq.heappush(self._live_expiry, (live.end, self._count, rect))

    def advance(self, position: int) -> None:
        """Forget tensors that ended before `position` (from `live`) or cooled down (from `recent`)."""
        for expiry, grid in ((self._recent_expiry, self.recent), (self._live_expiry, self.live)):
            while expiry and expiry[0][0] < position:
                _, _, rect = heapq.heappop(expiry)
                grid.add(*rect, -1)
