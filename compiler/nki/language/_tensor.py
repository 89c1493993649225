"""`NKIObject`, `NkiTensor` (nki-api.md §3.8–3.10) and `nl.ds`.

`NkiTensor` keeps its compile-time facts (shape, dtype, buffer, strides, offset); its view methods are
stubs dispatched to the active handler (the specializer/simulator), like every other `nl` call.
"""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nki._meta import V4, api
from nki.language._buffers import MemoryRegion, sbuf

__all__ = ["NKIObject", "NkiTensor", "ds"]


@api(stub=False)
class NKIObject:
    """Base class for user classes passed to or built inside kernels (fields become compile-time values)."""

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides: list[int] = []
    step = 1
    for dim in reversed(shape):
        strides.append(step)
        step *= dim
    return tuple(reversed(strides))


@api(stub=False)
class NkiTensor(NKIObject):
    """A tensor: a strided view (shape, strides, offset) over a storage in one memory region."""

    def __init__(
        self, shape: tuple[int, ...], dtype: Any, storage: Any, buffer: MemoryRegion = sbuf, name: str = ""
    ) -> None:
        self._shape = tuple(shape)
        self._dtype = dtype
        self._storage = storage
        self._buffer = buffer
        self._name = name
        self._strides = _contiguous_strides(self._shape)
        self._offset = 0

    def __repr__(self) -> str:
        return f"NkiTensor(shape={self._shape}, dtype={self._dtype}, buffer={self._buffer!r}, name={self._name!r})"

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the view (dim 0 is the partition dim for SBUF/PSUM tensors)."""
        return self._shape

    @property
    def dtype(self) -> Any:
        """Element type."""
        return self._dtype

    @property
    def buffer(self) -> MemoryRegion:
        """Memory region holding the storage (`nl.sbuf`, `nl.psum`, `nl.private_hbm`, `nl.shared_hbm`)."""
        return self._buffer

    @property
    def name(self) -> str:
        """Name given at allocation (profiler label)."""
        return self._name

    @property
    def strides(self) -> tuple[int, ...]:
        """Stride of each view dimension, in elements of the storage."""
        return self._strides

    @property
    def offset(self) -> int:
        """Offset of the view's first element into the storage, in elements."""
        return self._offset

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._shape)

    @property
    def size(self) -> int:
        """Total number of elements."""
        n = 1
        for dim in self._shape:
            n *= dim
        return n

    @api()
    def __getitem__(self, key: Any) -> NkiTensor:
        """Index or slice the tensor (ints, slices, `...`, `nl.ds`), returning a view."""

    @api()
    def __setitem__(self, key: Any, value: Any) -> None:
        """Legacy assignment into a view (semantics undocumented in NKI 0.6)."""

    @api(since="0.5.0")
    def slice(self, dim: int, start: int, end: int, step: int = 1) -> NkiTensor:
        """View of `start:end:step` along `dim` (0 <= start < end <= shape[dim], step >= 1)."""

    @api(since="0.5.0")
    def select(self, dim: int, index: Any) -> NkiTensor:
        """Remove `dim` by selecting one index (int, or a register/`(1, 1)` tensor for a runtime select)."""

    @api(since="0.5.0")
    def vector_select(self, dim: int, vector_offset: NkiTensor) -> NkiTensor:
        """Per-partition gather of rows of an HBM tensor (dim 0) by a `(P, 1)` index tensor in SBUF."""

    @api(since="0.5.0")
    def permute(self, dims: tuple[int, ...]) -> NkiTensor:
        """Reorder the dimensions; on-chip tensors must keep dim 0 first."""

    @api(since="0.5.0")
    def broadcast(self, dim: int, size: int) -> NkiTensor:
        """Repeat a size-1 dimension `size` times with stride 0 (not dim 0 on chip)."""

    @api(since="0.5.0")
    def expand_dim(self, dim: int) -> NkiTensor:
        """Insert a size-1 dimension at `dim` (not dim 0 on chip)."""

    @api(since="0.5.0")
    def squeeze_dim(self, dim: int) -> NkiTensor:
        """Remove the size-1 dimension `dim` (not dim 0 on chip)."""

    @api(since="0.5.0")
    def reshape_dim(self, dim: int, shape: tuple[int, ...]) -> NkiTensor:
        """Split dimension `dim` into `shape` (product must match; one -1 allowed)."""

    @api(since="0.5.0")
    def flatten_dims(self, start_dim: int, end_dim: int) -> NkiTensor:
        """Merge the memory-contiguous dimensions `start_dim..end_dim` (inclusive) into one."""

    @api()
    def reshape(self, shape: tuple[int, ...]) -> NkiTensor:
        """View with a new shape of the same element count (on chip: same partition dim)."""

    @api(since="0.5.0")
    def rearrange(
        self, src_pattern: Any, dst_pattern: Any, fixed_sizes: dict[str, int] | None = None
    ) -> NkiTensor:
        """Einops-style reshape/transpose of the view by named dimension patterns."""

    @api()
    def view(self, dtype: Any) -> NkiTensor:
        """Reinterpret the bits as another dtype; the last dimension scales by the size ratio."""

    @api()
    def reinterpret_cast(self, dtype: Any) -> NkiTensor:
        """Alias of `view(dtype)`: reinterpret the bits as another dtype."""

    @api()
    def ap(
        self,
        pattern: list[list[int]],
        offset: int | None = None,
        scalar_offset: Any = None,
        vector_offset: Any = None,
        indirect_dim: int = 0,
        dtype: Any = None,
    ) -> NkiTensor:
        """Raw access pattern over the storage: `[[step, num], ...]` pairs, outermost first."""

    @api(since="0.5.0", targets=V4)
    def indirect(self, index: NkiTensor, num_elem: int | None = None) -> NkiTensor:
        """Tensor-indirection view: gather/scatter free-dim columns by an SBUF index tensor (trn3)."""

    @api(since="0.5.0")
    def get_pattern(self) -> list[list[int]]:
        """`[[stride, count], ...]` of each view dimension, in shape order."""

    @api(since="0.5.0")
    def is_contiguous(self) -> bool:
        """True if the view is dense in memory (dim 0 ignored for on-chip tensors)."""

    @api(since="0.5.0")
    def is_indirect(self) -> bool:
        """True after a dynamic `select`, `vector_select`, or `ap` with a scalar/vector offset."""


@dataclass(frozen=True)
class DynamicSlice:
    """`nl.ds(start, size)` whose start is only known at run time (a register or expression)."""

    start: Any
    size: int


@api(stub=False)
def ds(start: Any, size: int) -> slice | DynamicSlice:
    """Slice of `size` elements from `start` (same as `start:start + size`); usable in `t[...]`."""
    if isinstance(start, int) and isinstance(size, int):
        return slice(start, start + size)
    return DynamicSlice(start, size)
