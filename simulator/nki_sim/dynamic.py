"""Dynamic access patterns (nki-api.md §3.8–3.9): `scalar_offset`, `vector_offset`, dynamic `select` and
`vector_select`, resolved when the instruction runs.

A scalar offset moves the whole strided view by `index * unit` elements, so it stays a NumPy view. A vector
offset gives each row `w` its own start `offset + index[w] * unit` (the pattern's own row step is ignored):
the operand becomes a `GatheredView`, a copy of the addressed elements that the run loop scatters back into
the storage after an instruction wrote it. Out-of-bounds indices fail with `oob_mode=error` (the default);
with `oob_mode=skip` a scalar offset skips the instruction and a vector offset skips the row.

Tensor indirection (§3.10, `t.indirect(index, num_elem)`) is a `GatheredView` too: column `i` of every
partition is free element `offsets[i]` of `t` (an index into `t`'s flattened free dims), `offsets[i]` read
from the `(P, K)` index at `[i % G, i // G]` (snake order, `G` = 16 or 32 by engine), the next `G`
partitions following once `G * K` offsets are read. As an input it gathers, as `dst` it scatters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nki_sim.errors import OutOfBoundsError, SimulationError
from nki_sim.views import Storage, TensorView, make_view

__all__ = [
    "GatheredView",
    "SkipInstruction",
    "shifted_view",
    "gathered_view",
    "indirected_view",
    "snake_offsets",
]

_RULE = "§3.9 dynamic access patterns"


class SkipInstruction(Exception):
    """A scalar offset is out of bounds under `oob_mode=skip`: the instruction does nothing."""


@dataclass(eq=False)
class GatheredView(TensorView):
    """A vector-offset operand: `array` is a copy of the elements at `indices` (shaped like the view);
    `valid[w]` is False for rows skipped under `oob_mode=skip`."""

    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    valid: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def element_indices(self) -> np.ndarray:
        return self.indices

    def scatter(self) -> None:
        """Write the (possibly updated) rows back into the storage."""
        flat = _flat_array(self.storage, self.array.dtype)
        rows = self.valid
        flat[self.indices[rows].reshape(-1)] = self.array[rows].reshape(-1)


def shifted_view(
    storage: Storage,
    offset: int,
    shape: tuple[int, ...],
    strides: tuple[int, ...],
    dtype: Any,
    shift: int,
    skip: bool,
    opcode: str,
) -> TensorView:
    """The strided view moved by `shift` elements (a scalar offset)."""
    try:
        return make_view(storage, offset + shift, shape, strides, dtype, opcode)
    except OutOfBoundsError:
        if skip:
            raise SkipInstruction from None
        raise


def gathered_view(
    storage: Storage,
    offset: int,
    shape: tuple[int, ...],
    strides: tuple[int, ...],
    dtype: Any,
    rows: np.ndarray,
    unit: int,
    skip: bool,
    opcode: str,
) -> GatheredView:
    """Row `w` of the view starts at `offset + rows[w] * unit`; the rest follows `strides[1:]`."""
    if not shape:
        raise SimulationError(opcode, "a vector offset needs at least one dimension", _RULE)
    if rows.size != shape[0]:
        raise SimulationError(
            opcode, f"vector_offset has {rows.size} indices for {shape[0]} rows", "§3.9 vector_offset (P, 1)"
        )
    base = make_view(storage, 0, (1,), (1,), dtype, opcode)  # the dtype reinterpretation, bounds-free
    flat = _flat_array(storage, base.array.dtype)
    rest = np.zeros(shape[1:], dtype=np.int64)
    for axis, (n, s) in enumerate(zip(shape[1:], strides[1:], strict=True)):
        reshaped = [1] * len(rest.shape)
        reshaped[axis] = n
        rest = rest + (np.arange(n, dtype=np.int64) * s).reshape(reshaped)
    starts = offset + rows.astype(np.int64) * unit
    indices = starts.reshape((-1,) + (1,) * rest.ndim) + rest[None, ...]
    per_row = indices.reshape(shape[0], -1)
    valid = np.asarray(((per_row >= 0) & (per_row < flat.size)).all(axis=1), dtype=bool).reshape(shape[0])
    if not valid.all() and not skip:
        bad = int(np.flatnonzero(~valid)[0])
        raise OutOfBoundsError(
            opcode,
            f"vector_offset[{bad}] = {int(rows[bad])} addresses elements outside {storage.name} "
            f"({flat.size} elements)",
            "§4.0 oob_mode=error",
        )
    array = flat[np.clip(indices, 0, max(flat.size - 1, 0))]
    return GatheredView(storage, array, base.dtype, offset, strides, indices=indices, valid=valid)


def indirected_view(
    storage: Storage,
    offset: int,
    shape: tuple[int, ...],
    strides: tuple[int, ...],
    dtype: Any,
    index: np.ndarray,
    num_elem: int,
    group: int,
    opcode: str,
) -> GatheredView:
    """The `(P, num_elem)` tensor-indirection operand over the view `(offset, shape, strides)`."""
    if len(shape) < 2:
        raise SimulationError(
            opcode, "an `.indirect()` view needs a partition and a free dimension", _TI_RULE
        )
    offsets = snake_offsets(index, num_elem, group, opcode)
    free_shape, free_size = shape[1:], math.prod(shape[1:])
    outside = np.flatnonzero((offsets < 0) | (offsets >= free_size))
    if outside.size:
        i = int(outside[0])
        raise OutOfBoundsError(
            opcode,
            f"indirect offset {int(offsets[i])} (element {i}) is outside the {free_size} free elements of "
            f"{storage.name}",
            _TI_RULE,
        )
    coordinates = np.unravel_index(offsets, free_shape)
    free = sum((c * s for c, s in zip(coordinates, strides[1:], strict=True)), np.zeros_like(offsets))
    rows = np.arange(shape[0], dtype=np.int64) * strides[0]
    indices = offset + rows[:, None] + free[None, :]
    base = make_view(storage, 0, (1,), (1,), dtype, opcode)  # the dtype reinterpretation, bounds-free
    flat = _flat_array(storage, base.array.dtype)
    if indices.size and (indices.min() < 0 or indices.max() >= flat.size):
        raise OutOfBoundsError(opcode, f"the `.indirect()` view reaches outside {storage.name}", _TI_RULE)
    valid = np.ones(shape[0], dtype=bool)
    return GatheredView(storage, flat[indices], base.dtype, offset, strides, indices=indices, valid=valid)


def snake_offsets(index: np.ndarray, num_elem: int, group: int, opcode: str) -> np.ndarray:
    """Offset `i` from `index[i % group, i // group]`, then from the next `group` partitions (§3.10)."""
    table = index.reshape(index.shape[0], -1) if index.ndim else index.reshape(1, 1)
    partitions, columns = table.shape
    i = np.arange(num_elem, dtype=np.int64)
    partition = (i // max(1, group * columns)) * group + i % group
    column = (i // group) % max(1, columns)
    if num_elem and columns == 0:
        raise SimulationError(opcode, "the `.indirect()` index holds no offsets", _TI_RULE)
    beyond = np.flatnonzero(partition >= partitions)
    if beyond.size:
        bad = int(beyond[0])
        raise SimulationError(
            opcode,
            f"indirect offset {bad} is read from index partition {int(partition[bad])}, but the index has "
            f"{partitions} partitions of {columns} offsets (G = {group})",
            _TI_RULE,
        )
    values = table[partition, column].astype(np.float64)
    if not np.all(np.isfinite(values)) or np.any(values != np.floor(values)):
        raise SimulationError(opcode, "indirect offsets must be integers", _TI_RULE)
    return values.astype(np.int64)


_TI_RULE = "§3.10 tensor indirection"


def _flat_array(storage: Storage, dtype: np.dtype) -> np.ndarray:
    return storage.data if storage.data.dtype == dtype else storage.data.view(dtype)
