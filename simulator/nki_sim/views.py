"""Storage (one allocation in HBM, SBUF or PSUM) and strided tensor views over it.

A view is (storage, offset, shape, strides), all in elements, like `NkiTensor` (nki-api.md §3.8/§3.9):
element `(i0, ..., in)` lives at flat storage element `offset + sum(strides[k] * i_k)`. `make_view` builds a
NumPy view sharing the storage's memory (writes go through) after checking that every addressed element is
inside the storage; an access pattern reaching outside raises `OutOfBoundsError`. A storage keeps the views
made over it (up to `VIEW_CACHE_SIZE` per storage), so an access pattern met again skips the checks:
a storage's `data` array is never replaced, only written in place.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nki_sim import numerics
from nki_sim.errors import OutOfBoundsError, SimulationError

__all__ = ["Storage", "TensorView", "make_view", "accepted_view", "ON_CHIP", "BUFFERS"]

_RAW = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
BUFFERS = ("hbm", "shared_hbm", "private_hbm", "sbuf", "psum")
VIEW_CACHE_SIZE = 256
ON_CHIP = ("sbuf", "psum")


@dataclass(eq=False)
class Storage:
    """One tensor allocation: a flat NumPy array plus what the machine knows about it."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # NKI dtype name
    buffer: str  # one of BUFFERS
    data: np.ndarray  # flat, contiguous, in the storage dtype
    #: PSUM only: which elements a matmul has written (drives `accumulate=None` and the UB warning).
    matmul_written: np.ndarray | None = field(default=None, repr=False)
    #: (offset, shape, strides, dtype name) -> the checked view's (array, dtype, offset, strides); no link to
    #: the storage, so a dropped storage is freed at once instead of waiting for the cycle collector.
    views: dict[tuple[object, ...], tuple[np.ndarray, str, int, tuple[int, ...]]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def fresh(
        cls, name: str, shape: Sequence[int], dtype: object, buffer: str, precise: bool = True
    ) -> Storage:
        """New memory filled with NaN (floats) or the integer sentinel, so uninitialised reads show."""
        num = numerics.numeric(dtype)
        size = math.prod(shape)
        data = _filled(size, num.name, numerics.storage_dtype(num.name, precise))
        written = np.zeros(size, dtype=bool) if buffer == "psum" else None
        return cls(name, tuple(shape), num.name, buffer, data, written)

    @classmethod
    def wrap(cls, name: str, array: np.ndarray, dtype: object, buffer: str = "hbm") -> Storage:
        """Storage sharing the memory of a C-contiguous array (kernel inputs updated in place)."""
        num = numerics.numeric(dtype)
        if not array.flags.c_contiguous or array.dtype != num.storage:
            raise ValueError(f"{name}: wrap needs a C-contiguous {num.storage} array")
        return cls(name, tuple(array.shape), num.name, buffer, array.reshape(-1))

    @property
    def on_chip(self) -> bool:
        return self.buffer in ON_CHIP

    def default_strides(self) -> tuple[int, ...]:
        strides, step = [], 1
        for n in reversed(self.shape):
            strides.append(step)
            step *= n
        return tuple(reversed(strides))

    def view(self) -> TensorView:
        """The whole storage as a view of its own shape."""
        return make_view(self, 0, self.shape, self.default_strides())

    def as_array(self) -> np.ndarray:
        return self.data.reshape(self.shape)


@functools.cache
def _fill_bits(name: str, storage: np.dtype) -> np.generic:
    """The raw bits of one element of fresh `name` memory (`numerics.fill_value`) stored as `storage`."""
    return np.array([numerics.fill_value(name)], dtype=storage).view(_RAW[storage.itemsize])[0]


def _filled(size: int, name: str, storage: np.dtype) -> np.ndarray:
    """`np.full(size, fill_value(name), storage)` with the bits filled as integers: ml_dtypes types fill
    element by element, ten times slower than the plain integer fill."""
    raw = np.empty(size, dtype=_RAW[storage.itemsize])
    raw.fill(_fill_bits(name, storage))
    return raw.view(storage)


@dataclass(eq=False)
class TensorView:
    """An instruction operand: a NumPy view (storage dtype) plus NKI dtype and buffer."""

    storage: Storage
    array: np.ndarray
    dtype: str
    offset: int
    strides: tuple[int, ...]
    # Derived from `array` once (it is never replaced); read on every operand.
    shape: tuple[int, ...] = field(init=False, repr=False)
    partitions: int = field(init=False, repr=False)
    free_size: int = field(init=False, repr=False)  # elements per partition (product of the free dims)
    _rows: np.ndarray | None | bool = field(init=False, repr=False, default=False)  # False: not made yet

    def __post_init__(self) -> None:
        self.shape = tuple(self.array.shape)
        self.partitions = self.shape[0] if self.shape else 1
        self.free_size = self.array.size // max(self.partitions, 1)

    def rows(self) -> np.ndarray | None:
        """The view as `[partitions, free_size]` sharing its memory (made once); None when that is a copy."""
        if self._rows is False:
            rows = self.array.reshape(self.partitions, self.free_size)
            self._rows = rows if rows.size == 0 or np.may_share_memory(rows, self.array) else None
        return self._rows  # type: ignore[return-value]

    @property
    def buffer(self) -> str:
        return self.storage.buffer

    @property
    def name(self) -> str:
        return self.storage.name

    @property
    def on_chip(self) -> bool:
        return self.storage.on_chip

    def element_indices(self) -> np.ndarray:
        """Flat storage index of every element, shaped like the view."""
        idx = np.full(self.shape, self.offset, dtype=np.int64)
        for axis, (n, s) in enumerate(zip(self.shape, self.strides, strict=True)):
            shape = [1] * len(self.shape)
            shape[axis] = n
            idx += (np.arange(n, dtype=np.int64) * s).reshape(shape)
        return idx


def make_view(
    storage: Storage,
    offset: int,
    shape: Sequence[int],
    strides: Sequence[int],
    dtype: object = None,
    opcode: str = "access_pattern",
) -> TensorView:
    """A bounds-checked NumPy view of `storage`; `dtype` reinterprets the bits (`t.view(dtype)`)."""
    shape, strides = tuple(shape), tuple(strides)
    key = (
        offset,
        shape,
        strides,
        dtype if dtype is None or isinstance(dtype, str) else getattr(dtype, "name", dtype),
    )
    try:
        cached = storage.views.get(key)
        cacheable = True
    except TypeError:  # an unhashable dtype object: build the view uncached
        cached, cacheable = None, False
    if cached is not None:
        return TensorView(storage, *cached)
    view = _checked_view(storage, int(offset), shape, strides, dtype, opcode)
    if cacheable and len(storage.views) < VIEW_CACHE_SIZE:
        storage.views[key] = (view.array, view.dtype, view.offset, view.strides)
    return view


def accepted_view(
    storage: Storage, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], dtype: object = None
) -> TensorView:
    """The view `make_view` gives for a layout it has accepted before on a storage of the same shape, NKI
    dtype, buffer and storage dtype (a program's static pattern in a later run, or on the next storage of the
    same allocation): built without the checks."""
    flat, name = _flat(storage, dtype, "access_pattern")
    array = (
        np.empty(shape, dtype=flat.dtype) if math.prod(shape) == 0 else _strided(flat, offset, shape, strides)
    )
    return TensorView(storage, array, name, offset, strides)


def _checked_view(
    storage: Storage,
    offset: int,
    shape: tuple[int, ...],
    strides: tuple[int, ...],
    dtype: object,
    opcode: str,
) -> TensorView:
    shape, strides = tuple(int(n) for n in shape), tuple(int(s) for s in strides)
    if len(shape) != len(strides):
        raise SimulationError(
            opcode, f"shape {shape} and strides {strides} differ in rank", "§3.9 access pattern"
        )
    if any(n < 0 for n in shape):
        raise SimulationError(opcode, f"negative size in shape {shape}", "§3.9 access pattern")
    flat, name = _flat(storage, dtype, opcode)
    _check_bounds(storage, flat.size, offset, shape, strides, opcode)
    if (
        storage.on_chip
        and len(shape) > 1
        and shape[0] > 1
        and not _partition_step_ok(storage, flat, strides[0])
    ):
        raise SimulationError(
            opcode,
            f"{storage.name}: partition step {strides[0]} differs from the free size per partition",
            "§6.2 no partition striding on SBUF/PSUM",
        )
    if math.prod(shape) == 0:
        array = np.empty(shape, dtype=flat.dtype)
    else:
        array = _strided(flat, offset, shape, strides)
    return TensorView(storage, array, name, offset, strides)


def _strided(flat: np.ndarray, offset: int, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A writeable view of `flat` (bounds already checked). ml_dtypes arrays cannot be rebuilt from their
    array interface or buffer, so the raw bits are strided and then viewed as the element type."""
    item = flat.itemsize
    raw = flat.view(_RAW[item])
    byte_strides = tuple(s * item for s in strides)
    if raw.flags.writeable:
        return np.ndarray(shape, raw.dtype, buffer=raw, offset=offset * item, strides=byte_strides).view(
            flat.dtype
        )
    return np.lib.stride_tricks.as_strided(
        raw[offset:], shape=shape, strides=byte_strides, writeable=True
    ).view(flat.dtype)


def _flat(storage: Storage, dtype: object, opcode: str) -> tuple[np.ndarray, str]:
    if dtype is None:
        return storage.data, storage.dtype
    target = numerics.numeric(dtype)
    storage_np = target.storage
    if storage.data.nbytes % storage_np.itemsize:
        raise SimulationError(opcode, f"cannot view {storage.name} as {target.name}", "§3.8 view(dtype)")
    return storage.data.view(storage_np), target.name


def _partition_step_ok(storage: Storage, flat: np.ndarray, step: int) -> bool:
    per_partition = flat.size // max(storage.shape[0], 1)
    return step == per_partition


def _check_bounds(
    storage: Storage, size: int, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], opcode: str
) -> None:
    if math.prod(shape) == 0:
        return
    low = offset + sum(min(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    high = offset + sum(max(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    if low < 0 or high >= size:
        raise OutOfBoundsError(
            opcode,
            f"access pattern offset={offset} shape={list(shape)} strides={list(strides)} reaches element "
            f"{low if low < 0 else high} of {storage.name} which has {size} elements",
            "§3.9 access pattern within the tensor",
        )
