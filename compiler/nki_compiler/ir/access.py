"""Storage and access patterns: how IR operands address memory (nki-api.md §3.8–3.9).

A `Storage` is one allocation (an HBM kernel argument, an `nl.ndarray`, ...). An `AccessPattern` is a
strided view of it: an element offset into the flattened storage plus one `[stride, count]` pair per
view dimension, outermost first. For on-chip storages the first pair is the partition dimension (its
stride is the storage's elements per partition), so the partition start/count follow from it.

`AccessPattern.strided()` gives `(offset, shape, strides)` in elements, which is what
`numpy.lib.stride_tricks.as_strided` needs (multiply strides by the itemsize) over a flat storage array.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from nki_compiler.ir.slots import slot_setters

ON_CHIP = frozenset({"sbuf", "psum"})
HBM = frozenset({"private_hbm", "shared_hbm"})

#: Element size in bytes of every NKI dtype (nki-api.md §1.4).
DTYPE_BYTES: dict[str, int] = {
    "bool_": 1, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
    "float16": 2, "bfloat16": 2, "tfloat32": 4, "float32": 4,
    "float8_e4m3": 1, "float8_e5m2": 1, "float8_e4m3fn": 1, "float8_e8m0fnu": 1,
    "float8_e5m2_x4": 4, "float8_e4m3fn_x4": 4, "float4_e2m1fn_x4": 2,
}  # fmt: skip


def dtype_bytes(dtype: str) -> int | None:
    return DTYPE_BYTES.get(str(dtype))


@dataclass(frozen=True, slots=True, init=False)
class Storage:
    """One allocation. `kind` says where it comes from: `arg`, `alloc`, `output` (shared_hbm alloc)."""

    id: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    buffer: str  # sbuf | psum | private_hbm | shared_hbm
    kind: str = "alloc"
    address: tuple[int, int] | None = None

    def __init__(
        self,
        id: int,  # noqa: A002  (the field's name)
        name: str,
        shape: tuple[int, ...],
        dtype: str,
        buffer: str,
        kind: str = "alloc",
        address: tuple[int, int] | None = None,
    ) -> None:
        set_id, set_name, set_shape, set_dtype, set_buffer, set_kind, set_address = _STORAGE_SETTERS
        set_id(self, id)
        set_name(self, name)
        set_shape(self, shape)
        set_dtype(self, dtype)
        set_buffer(self, buffer)
        set_kind(self, kind)
        set_address(self, address)

    @property
    def on_chip(self) -> bool:
        return self.buffer in ON_CHIP

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def partition_elements(self) -> int:
        """Elements per partition (the partition stride) of an on-chip storage."""
        return math.prod(self.shape[1:]) if self.shape else 1

    @property
    def label(self) -> str:
        return f"%{self.name}" if self.name else f"%t{self.id}"


_STORAGE_SETTERS = slot_setters(Storage)


@dataclass(frozen=True, slots=True)
class DynamicOffset:
    """A runtime part of a pattern's start (nki-api.md §3.9): `scalar_offset` (a `Register`, an int or a
    `(1,1)` SBUF `AccessPattern`) moves the whole pattern by `value * unit` elements; `vector_offset` (a
    `(P,1)` SBUF `AccessPattern`) gives each row `w` of dim `indirect_dim` the start `value[w] * unit`, the
    pattern's own step of that dim being ignored."""

    kind: str  # "scalar" | "vector"
    value: Any
    indirect_dim: int
    unit: int  # elements per index step

    def text(self) -> str:
        value = (
            self.value.text() if isinstance(self.value, AccessPattern) else getattr(self.value, "label", None)
        )
        value = self.value if value is None else value
        dim = f" dim={self.indirect_dim}" if self.indirect_dim else ""
        return f"{self.kind}_offset={value}*{self.unit}{dim}"


@dataclass(frozen=True, slots=True)
class TensorIndirection:
    """Tensor indirection (nki-api.md §3.10, `t.indirect(index, num_elem)`, v4): the pattern's own pairs are
    the region `t` covers; the operand is `(P, num_elem)`, column `i` being free offset `offsets[i]` of `t`
    (the index into `t`'s flattened free dims) on every partition. `offsets[i]` is read from the `(P, K)`
    SBUF `value` at `[i % group, i // group]` (snake order; `group` = 16 on Vector/Scalar/GpSimd, 32 on the
    Tensor engine), continuing with the next `group` partitions once `group * K` offsets are read."""

    value: AccessPattern
    num_elem: int
    group: int = 16

    @property
    def kind(self) -> str:
        return "indirect"

    def text(self) -> str:
        return f"indirect={self.value.text()} n={self.num_elem} G={self.group}"


@dataclass(frozen=True, slots=True, init=False)
class AccessPattern:
    """`storage` viewed as `pairs` ([stride, count] per dim, outermost first) from element `offset`."""

    storage: Storage
    offset: int
    pairs: tuple[tuple[int, int], ...]
    dtype: str
    indirect: bool = False
    dynamic: DynamicOffset | TensorIndirection | None = None

    def __init__(
        self,
        storage: Storage,
        offset: int,
        pairs: tuple[tuple[int, int], ...],
        dtype: str,
        indirect: bool = False,
        dynamic: DynamicOffset | TensorIndirection | None = None,
    ) -> None:
        set_storage, set_offset, set_pairs, set_dtype, set_indirect, set_dynamic = _PATTERN_SETTERS
        set_storage(self, storage)
        set_offset(self, offset)
        set_pairs(self, pairs)
        set_dtype(self, dtype)
        set_indirect(self, indirect)
        set_dynamic(self, dynamic)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(count for _, count in self.pairs)

    @property
    def strides(self) -> tuple[int, ...]:
        return tuple(stride for stride, _ in self.pairs)

    @property
    def buffer(self) -> str:
        return self.storage.buffer

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def partition_start(self) -> int | None:
        if not self.storage.on_chip:
            return None
        return self.offset // max(1, self.storage.partition_elements)

    @property
    def partition_count(self) -> int | None:
        if not self.storage.on_chip:
            return None
        return self.shape[0] if self.shape else 1

    @property
    def free_pairs(self) -> tuple[tuple[int, int], ...]:
        """The free-dimension pairs of an on-chip pattern (all pairs for HBM)."""
        return self.pairs[1:] if self.storage.on_chip else self.pairs

    @property
    def free_size(self) -> int:
        return math.prod(count for _, count in self.free_pairs)

    def strided(self) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        """`(offset, shape, strides)` in elements of `dtype`, for a NumPy strided view of the storage."""
        return self.offset, self.shape, self.strides

    def is_whole(self) -> bool:
        """True when the pattern covers its storage exactly, in storage order."""
        expected = contiguous_strides(self.storage.shape)
        return self.offset == 0 and self.shape == self.storage.shape and self.strides == expected

    def text(self) -> str:
        """`%name[offset; [stride,count],...]`, or `%name` for a whole-storage pattern."""
        if self.is_whole() and self.dtype == self.storage.dtype and not self.indirect:
            return self.storage.label
        pattern = ",".join(f"[{s},{n}]" for s, n in self.pairs)
        suffix = f" as {self.dtype}" if self.dtype != self.storage.dtype else ""
        marker = f" {self.dynamic.text()}" if self.dynamic else " indirect" if self.indirect else ""
        return f"{self.storage.label}[{self.offset}; {pattern}]{suffix}{marker}"


_PATTERN_SETTERS = slot_setters(AccessPattern)


@functools.lru_cache(maxsize=4096)
def shared(value: Any) -> Any:
    """One object for equal hashable values (view pairs, shapes): an unrolled loop builds the same ones
    at every iteration and the IR keeps them."""
    return value


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    return _cached_strides(shape) if type(shape) is tuple else _strides(shape)


def contiguous_pairs(shape: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """`[stride, count]` per dim of a whole storage of `shape` (shared: unrolled loops allocate alike)."""
    if type(shape) is tuple:
        return _cached_pairs(shape)
    return tuple(zip(_strides(shape), shape, strict=True))


def _strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides: list[int] = []
    step = 1
    for dim in reversed(shape):
        strides.append(step)
        step *= dim
    return tuple(reversed(strides))


_cached_strides = functools.lru_cache(maxsize=4096)(_strides)


@functools.lru_cache(maxsize=4096)
def _cached_pairs(shape: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(zip(_cached_strides(shape), shape, strict=True))
