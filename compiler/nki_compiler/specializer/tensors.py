"""Tensor values and their views (nki-api.md §3.8–3.9): pure access-pattern algebra over a storage.

View operations raise `ViewError(code, **params)` on a known violation (NKI304/NKI312/NKI313, ...);
the interpreter reports it at the call and continues with `UNKNOWN`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from nki_compiler.ir.access import (
    AccessPattern,
    DynamicOffset,
    Storage,
    contiguous_pairs,
    contiguous_strides,
    dtype_bytes,
    shared,
)
from nki_compiler.specializer.values import UNKNOWN, RegisterValue


class ViewError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, init=False)
class Tensor:
    storage: Storage
    offset: int
    dims: tuple[tuple[int, int], ...]  # (stride, count) per view dim
    dtype: str
    indirect: bool = False
    is_view: bool = False
    #: `(kind, index, indirect_dim, unit)` of a runtime offset: index is a Tensor, RegisterValue or int.
    dynamic: tuple[str, Any, int, int] | None = None
    #: `specializer.indirection.Indirection` of a `.indirect()` (tensor indirection) view
    indirection: Any = None

    def __init__(
        self,
        storage: Storage,
        offset: int,
        dims: tuple[tuple[int, int], ...],
        dtype: str,
        indirect: bool = False,
        is_view: bool = False,
        dynamic: tuple[str, Any, int, int] | None = None,
        indirection: Any = None,
    ) -> None:
        # one dict update instead of the generated `object.__setattr__` per field (3x faster; tensors are
        # made several times per unrolled iteration)
        self.__dict__.update(
            storage=storage, offset=offset, dims=dims, dtype=dtype, indirect=indirect, is_view=is_view,
            dynamic=dynamic, indirection=indirection,
        )  # fmt: skip

    @classmethod
    def whole(cls, storage: Storage) -> Tensor:
        return cls(storage, 0, contiguous_pairs(storage.shape), storage.dtype)

    # -- compile-time attributes ------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple([c for _, c in self.dims])

    @property
    def strides(self) -> tuple[int, ...]:
        return tuple(s for s, _ in self.dims)

    @property
    def buffer(self) -> str:
        return self.storage.buffer

    @property
    def on_chip(self) -> bool:
        return self.storage.on_chip

    @property
    def ndim(self) -> int:
        return len(self.dims)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def name(self) -> str:
        return self.storage.name

    def pattern(self) -> AccessPattern:
        state = self.__dict__
        cached = state.get("_pattern")  # one IR pattern per tensor value, however often used
        if cached is None:
            cached = state["_pattern"] = self._make_pattern()
        return cached

    def _make_pattern(self) -> AccessPattern:
        if self.indirection is not None:
            return self.indirection.pattern(self.dtype)  # type: ignore[no-any-return]
        dynamic = None
        if self.dynamic is not None:
            kind, index, dim, unit = self.dynamic
            value = index.pattern() if isinstance(index, Tensor) else index
            value = value.register if isinstance(value, RegisterValue) else value
            dynamic = DynamicOffset(kind, value, dim, unit)
        return AccessPattern(self.storage, self.offset, self.dims, self.dtype, self.indirect, dynamic)

    def bytes_per_partition(self) -> int | None:
        size = dtype_bytes(self.dtype)
        if size is None:
            return None
        free = math.prod(self.shape[1:]) if self.on_chip else self.size
        return free * size

    def get_pattern(self) -> list[list[int]]:
        return [[s, c] for s, c in self.dims]

    def is_contiguous(self) -> bool:
        dims = self.dims[1:] if self.on_chip else self.dims
        expected = 1
        for stride, count in reversed(dims):
            if count != 1 and stride != expected:
                return False
            expected *= count
        return True

    def _view(self, offset: int, dims: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> Tensor:
        return replace(self, offset=offset, dims=tuple(dims), is_view=True)

    def _dim(self, dim: Any, what: str) -> int:
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise ViewError("NKI313", detail=f"{what}: dimension must be an int, got {dim!r}")
        if not -self.ndim <= dim < self.ndim:
            raise ViewError(
                "NKI313", detail=f"{what}: dimension {dim} out of range for a {self.ndim}-D tensor"
            )
        return dim % self.ndim

    def _protect_partition(self, dim: int, op: str) -> None:
        if self.on_chip and dim == 0:
            raise ViewError("NKI312", op=op)

    # -- indexing ---------------------------------------------------------------------------------
    def getitem(self, key: Any) -> Any:
        if self.indirection is not None:
            return UNKNOWN  # indexing a `.indirect()` view: not specified (nki-api.md §3.10)
        if type(key) is tuple and len(key) == len(self.dims):
            view = _plain_slices(self, key)
            if view is not None:
                return view
        items = list(key) if isinstance(key, tuple) else [key]
        if any(i is UNKNOWN for i in items):
            return UNKNOWN
        if items.count(Ellipsis) > 1:
            raise ViewError("NKI313", detail="more than one `...` in an index")
        if Ellipsis in items:
            at = items.index(Ellipsis)
            fill = self.ndim - (len(items) - 1)
            items[at : at + 1] = [slice(None)] * max(0, fill)
        if len(items) > self.ndim:
            raise ViewError("NKI313", detail=f"too many indices ({len(items)}) for a {self.ndim}-D tensor")
        items += [slice(None)] * (self.ndim - len(items))
        offset, dims, dropped = self.offset, [], []
        for axis, (item, (stride, count)) in enumerate(zip(items, self.dims, strict=False)):
            if isinstance(item, bool) or not isinstance(item, (int, slice)):
                return UNKNOWN
            if isinstance(item, int):
                index = item + count if item < 0 else item
                if not 0 <= index < count:
                    raise ViewError("NKI304", expr=item, d=axis, n=count)
                offset += index * stride
                if self.on_chip and axis == 0:
                    dims.append((stride, 1))
                else:
                    dropped.append((axis, stride))
                continue
            start, stop, step = _slice_bounds(item, count, axis)
            offset += start * stride
            dims.append((stride * step, max(0, -(-(stop - start) // step))))
        minimum = 2 if self.on_chip else 1
        if len(dims) < minimum and dropped:
            dims.append((dropped[-1][1], 1))
        return self._view(offset, dims)

    # -- view methods -----------------------------------------------------------------------------
    def slice(self, dim: Any, start: Any, end: Any, step: Any = 1) -> Tensor:
        d = self._dim(dim, "slice")
        count = self.dims[d][1]
        if not all(isinstance(v, int) for v in (start, end, step)):
            raise ViewError("NKI313", detail="slice bounds must be ints")
        if step < 1 or not 0 <= start < end <= count:
            raise ViewError(
                "NKI313", detail=f"slice({d}, {start}, {end}, {step}) of a dimension of size {count}"
            )
        return self.getitem(
            tuple(slice(start, end, step) if i == d else slice(None) for i in range(self.ndim))
        )

    def select(self, dim: Any, index: Any) -> Any:
        d = self._dim(dim, "select")
        if not isinstance(index, int):
            if self.on_chip and d == 0:
                raise ViewError("NKI310")
            _check_scalar_offset(index, strict=False)
            if self.indirect:
                raise ViewError("NKI311", t=self.name or "tensor")
            dims = [p for i, p in enumerate(self.dims) if i != d]
            dynamic = ("scalar", index, d, self.dims[d][0]) if _runtime_index(index) else None
            return replace(self._view(self.offset, dims), indirect=True, dynamic=dynamic)
        count = self.dims[d][1]
        if not 0 <= index < count:
            raise ViewError("NKI304", expr=index, d=d, n=count)
        stride = self.dims[d][0]
        dims = [p for i, p in enumerate(self.dims) if i != d]
        return self._view(self.offset + index * stride, dims)

    def vector_select(self, dim: Any, vector_offset: Any) -> Any:
        """Per-partition gather over HBM dim 0: row `w` starts at `vector_offset[w]` (nki-api.md §3.8)."""
        if isinstance(dim, int) and (dim != 0 or self.on_chip):
            raise ViewError("NKI309")
        _check_vector_offset(vector_offset)
        if dim != 0 or not isinstance(vector_offset, Tensor):
            return UNKNOWN
        if self.indirect:
            raise ViewError("NKI311", t=self.name or "tensor")
        stride = self.dims[0][0]
        dims = [(stride, vector_offset.shape[0]), *self.dims[1:]]
        return replace(
            self._view(self.offset, dims), indirect=True, dynamic=("vector", vector_offset, 0, stride)
        )

    def permute(self, dims: Any) -> Tensor:
        order = tuple(dims) if isinstance(dims, (tuple, list)) else None
        if order is None or sorted(order) != list(range(self.ndim)):
            raise ViewError("NKI313", detail=f"permute({dims!r}) is not a permutation of {self.ndim} dims")
        if self.on_chip and order[0] != 0:
            raise ViewError("NKI312", op="permute")
        return self._view(self.offset, [self.dims[i] for i in order])

    def broadcast(self, dim: Any, size: Any) -> Tensor:
        d = self._dim(dim, "broadcast")
        self._protect_partition(d, "broadcast")
        if self.dims[d][1] != 1:
            raise ViewError(
                "NKI313", detail=f"broadcast of dimension {d} whose size is {self.dims[d][1]}, not 1"
            )
        if not isinstance(size, int) or size < 1:
            raise ViewError("NKI313", detail=f"broadcast size {size!r}")
        return self._view(self.offset, [(0, size) if i == d else p for i, p in enumerate(self.dims)])

    def expand_dim(self, dim: Any) -> Tensor:
        if not isinstance(dim, int) or not 0 <= dim <= self.ndim:
            raise ViewError("NKI313", detail=f"expand_dim({dim!r}) on a {self.ndim}-D tensor")
        self._protect_partition(dim, "expand_dim")
        dims = list(self.dims)
        dims.insert(dim, (0, 1))
        return self._view(self.offset, dims)

    def squeeze_dim(self, dim: Any) -> Tensor:
        d = self._dim(dim, "squeeze_dim")
        self._protect_partition(d, "squeeze_dim")
        if self.dims[d][1] != 1:
            raise ViewError("NKI313", detail=f"squeeze_dim of dimension {d} whose size is {self.dims[d][1]}")
        return self._view(self.offset, [p for i, p in enumerate(self.dims) if i != d])

    def reshape_dim(self, dim: Any, shape: Any) -> Tensor:
        d = self._dim(dim, "reshape_dim")
        sizes = _resolve_shape(shape, self.dims[d][1], "reshape_dim")
        if self.on_chip and d == 0 and len(sizes) > 1:
            raise ViewError("NKI312", op="reshape_dim")
        stride = self.dims[d][0]
        split = [(stride * s, c) for s, c in zip(contiguous_strides(tuple(sizes)), sizes, strict=False)]
        return self._view(self.offset, [*self.dims[:d], *split, *self.dims[d + 1 :]])

    def flatten_dims(self, start_dim: Any, end_dim: Any) -> Tensor:
        a, b = self._dim(start_dim, "flatten_dims"), self._dim(end_dim, "flatten_dims")
        if a > b:
            raise ViewError("NKI313", detail=f"flatten_dims({a}, {b}): start after end")
        if self.on_chip and a == 0 and b > 0:
            raise ViewError("NKI312", op="flatten_dims")
        group = self.dims[a : b + 1]
        for (outer, _), (inner, count) in zip(group, group[1:], strict=False):
            if outer != inner * count:
                raise ViewError("NKI313", detail=f"flatten_dims({a}, {b}): dims are not contiguous in memory")
        merged = (group[-1][0], math.prod(c for _, c in group))
        return self._view(self.offset, [*self.dims[:a], merged, *self.dims[b + 1 :]])

    def reshape(self, shape: Any) -> Any:
        if not isinstance(shape, (tuple, list)) or not all(isinstance(s, int) for s in shape):
            return UNKNOWN
        sizes = _resolve_shape(shape, self.size, "reshape")
        if self.on_chip and sizes[0] != self.shape[0]:
            raise ViewError("NKI312", op="reshape")
        if self.on_chip:
            if not self.is_contiguous():
                return UNKNOWN
            inner = contiguous_strides(tuple(sizes[1:]))
            last = self.dims[-1][0] if self.ndim > 1 else 1
            return self._view(
                self.offset, [self.dims[0], *((s * last, c) for s, c in zip(inner, sizes[1:], strict=False))]
            )
        if self.strides != contiguous_strides(self.shape)[: self.ndim] or not self.is_contiguous():
            return UNKNOWN
        return self._view(self.offset, list(zip(contiguous_strides(tuple(sizes)), sizes, strict=False)))

    def view(self, dtype: Any) -> Any:
        old, new = dtype_bytes(self.dtype), dtype_bytes(str(dtype))
        if old is None or new is None:
            return UNKNOWN
        if self.indirect:
            raise ViewError("NKI311", t=self.name or "tensor")
        stride, count = self.dims[-1]
        if stride != 1:
            raise ViewError("NKI313", detail="view(dtype) needs a contiguous last dimension")
        if (count * old) % new:
            raise ViewError(
                "NKI313", detail=f"last dimension {count} x {old} bytes is not divisible by {new} bytes"
            )
        scale = old / new
        dims = [(int(s * scale), c) for s, c in self.dims[:-1]] + [(1, count * old // new)]
        return replace(self._view(int(self.offset * scale), dims), dtype=str(dtype))

    def rearrange(self, src_pattern: Any, dst_pattern: Any, fixed_sizes: Any = None) -> Any:
        from nki_compiler.specializer.rearrange import rearrange

        return rearrange(self, src_pattern, dst_pattern, fixed_sizes)

    def ap(
        self,
        pattern: Any,
        offset: Any = None,
        scalar_offset: Any = None,
        vector_offset: Any = None,
        indirect_dim: Any = 0,
        dtype: Any = None,
    ) -> Any:
        if scalar_offset is not None and vector_offset is not None:
            raise ViewError("NKI307")
        if vector_offset is not None and indirect_dim != 0:
            raise ViewError("NKI308")
        if scalar_offset is not None:
            _check_scalar_offset(scalar_offset, strict=True)
        if vector_offset is not None:
            _check_vector_offset(vector_offset)
        pairs = _pattern_pairs(pattern)
        if pairs is None or (offset is not None and not isinstance(offset, int)):
            return UNKNOWN
        target_dtype = str(dtype) if dtype is not None else self.storage.dtype
        if self.on_chip and pairs and dtype is None:
            expected = self.storage.partition_elements
            if pairs[0][0] != expected:
                raise ViewError("NKI305", expected=expected)
        start = self.offset if offset is None else offset
        index = scalar_offset if scalar_offset is not None else vector_offset
        if index is None:
            return Tensor(self.storage, start, tuple(pairs), target_dtype, is_view=True)
        if (
            not _runtime_index(index)
            or not isinstance(indirect_dim, int)
            or not 0 <= indirect_dim < self.ndim
        ):
            return replace(
                Tensor(self.storage, start, tuple(pairs), target_dtype, is_view=True), indirect=True
            )
        unit = math.prod(self.shape[indirect_dim + 1 :])
        kind = "scalar" if scalar_offset is not None else "vector"
        dynamic = (kind, index, indirect_dim, unit)
        return Tensor(self.storage, start, tuple(pairs), target_dtype, True, True, dynamic)


def _check_scalar_offset(index: Any, strict: bool) -> None:
    """NKI314: a scalar offset is a (1,1) SBUF tensor or a register (`strict`: `.ap(scalar_offset=)`;
    a dynamic `select` index is only known wrong when it has more than one element)."""
    if not isinstance(index, Tensor):
        return
    if index.size != 1 or (strict and index.buffer != "sbuf"):
        raise ViewError("NKI314")


def _check_vector_offset(index: Any) -> None:
    """NKI314: a vector offset is an SBUF tensor of shape (P, 1)."""
    if isinstance(index, RegisterValue):
        raise ViewError("NKI314")
    if isinstance(index, Tensor) and (
        index.buffer != "sbuf" or index.ndim < 2 or math.prod(index.shape[1:]) != 1
    ):
        raise ViewError("NKI314")


def _runtime_index(index: Any) -> bool:
    """A value the simulator can resolve at run time: a register, an on-chip tensor or a plain int."""
    if isinstance(index, Tensor):
        return index.on_chip
    return isinstance(index, RegisterValue) or (isinstance(index, int) and not isinstance(index, bool))


def _plain_slices(tensor: Tensor, key: tuple[Any, ...]) -> Tensor | None:
    """`tensor[a:b, c:d, ...]` with in-range non-negative int bounds and no steps, one per dim (the
    unrolled-loop case) as `getitem` computes it; None for anything else."""
    offset, dims = tensor.offset, []
    for item, (stride, count) in zip(key, tensor.dims, strict=True):
        if type(item) is not slice or item.step is not None:
            return None
        start, stop = item.start, item.stop
        start = 0 if start is None else start
        stop = count if stop is None else stop
        if type(start) is not int or type(stop) is not int or start < 0 or stop < 0 or stop > count:
            return None
        offset += start * stride
        dims.append((stride, stop - start if stop > start else 0))
    # every field as `replace(tensor, offset=, dims=, is_view=True)` would copy it, without its cost
    view = (tensor.storage, offset, shared(tuple(dims)), tensor.dtype, tensor.indirect, True, tensor.dynamic)
    return Tensor(*view, tensor.indirection)


def _slice_bounds(item: slice, count: int, axis: int) -> tuple[int, int, int]:
    for part in (item.start, item.stop, item.step):
        if part is not None and (not isinstance(part, int) or isinstance(part, bool)):
            raise ViewError("NKI313", detail=f"slice bound {part!r} is not an int")
    step = 1 if item.step is None else item.step
    if step < 1:
        raise ViewError("NKI313", detail=f"slice step {step} must be >= 1")
    start = 0 if item.start is None else item.start
    stop = count if item.stop is None else item.stop
    start = start + count if start < 0 else start
    stop = stop + count if stop < 0 else stop
    if stop > count or start < 0:
        raise ViewError("NKI304", expr=f"{start}:{stop}", d=axis, n=count)
    return start, max(start, stop), step


def _resolve_shape(shape: Any, total: int, what: str) -> list[int]:
    if not isinstance(shape, (tuple, list)) or not all(isinstance(s, int) for s in shape):
        raise ViewError("NKI313", detail=f"{what}: shape must be a tuple of ints")
    sizes = list(shape)
    if sizes.count(-1) > 1:
        raise ViewError("NKI313", detail=f"{what}: at most one -1")
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        if known == 0 or total % known:
            raise ViewError(
                "NKI313", detail=f"{what}: cannot infer -1 in {tuple(shape)} for {total} elements"
            )
        sizes[sizes.index(-1)] = total // known
    if math.prod(sizes) != total:
        raise ViewError(
            "NKI313", detail=f"{what}: {tuple(sizes)} has {math.prod(sizes)} elements, not {total}"
        )
    return sizes


def _pattern_pairs(pattern: Any) -> list[tuple[int, int]] | None:
    if not isinstance(pattern, (list, tuple)):
        return None
    pairs = []
    for pair in pattern:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(isinstance(v, int) for v in pair):
            return None
        pairs.append((pair[0], pair[1]))
    return pairs


TENSOR_METHODS = frozenset({
    "slice", "select", "permute", "broadcast", "expand_dim", "squeeze_dim", "reshape_dim", "flatten_dims",
    "reshape", "view", "reinterpret_cast", "ap", "get_pattern", "is_contiguous", "is_indirect", "vector_select",
    "indirect", "rearrange",
})  # fmt: skip
TENSOR_ATTRIBUTES = frozenset({"shape", "dtype", "buffer", "ndim", "size", "strides", "offset", "name"})
