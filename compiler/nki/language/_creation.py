"""Tensor creation and data movement (nki-api.md §3.2–3.3)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import Any

from nki._meta import api
from nki.language._buffers import MemoryRegion, sbuf
from nki.language._dtypes import uint8

__all__ = [
    "ndarray", "zeros", "ones", "full", "rand", "random_seed", "zeros_like", "empty_like",
    "shared_constant", "shared_identity_matrix",
    "load", "store", "load_transpose2d", "copy", "matmul", "transpose", "broadcast_to", "expand_dims",
    "gather_flattened", "device_print",
]  # fmt: skip

Tensor = Any
Shape = tuple[int, ...]


@api()
def ndarray(
    shape: Shape, dtype: Any, buffer: MemoryRegion = sbuf, name: str = "", address: Any = None
) -> Tensor:
    """Allocate an uninitialized tensor in `buffer`.

    `address=(partition_offset, free_byte_offset)` pins the placement; PSUM addresses must start at a
    bank boundary (multiple of 2048 bytes).
    """


@api(experimental=True)
def zeros(shape: Shape, dtype: Any, buffer: MemoryRegion = sbuf, name: str = "") -> Tensor:
    """Allocate a tensor filled with zeros."""


@api(experimental=True)
def ones(shape: Shape, dtype: Any, buffer: MemoryRegion = sbuf, name: str = "") -> Tensor:
    """Allocate a tensor filled with ones."""


@api(experimental=True)
def full(shape: Shape, fill_value: Any, dtype: Any, buffer: MemoryRegion = sbuf, name: str = "") -> Tensor:
    """Allocate a tensor filled with a constant."""


@api(experimental=True)
def rand(shape: Shape, dtype: Any, buffer: MemoryRegion = sbuf, name: str = "") -> Tensor:
    """Allocate a tensor of uniform random values in [0, 1).

    Lowers to `nisa.rand2` on trn3 and to `nisa.rng` on earlier targets.
    """


@api(experimental=True)
def random_seed(seed: Tensor) -> None:
    """Seed the random generator from a `[1, 1]` 32-bit tensor in SBUF/PSUM."""


@api(experimental=True)
def zeros_like(x: Tensor, dtype: Any = None, buffer: MemoryRegion | None = None, name: str = "") -> Tensor:
    """Allocate zeros with the shape of `x` (dtype defaults to x's, buffer to SBUF)."""


@api(experimental=True)
def empty_like(x: Tensor, dtype: Any = None, buffer: MemoryRegion | None = None, name: str = "") -> Tensor:
    """Allocate an uninitialized tensor with the shape of `x` (dtype and buffer default to x's)."""


@api()
def shared_constant(constant: Any) -> Tensor:
    """Embed a NumPy array (or `.npy` path) in the binary, materialized in shared HBM at load time."""


@api()
def shared_identity_matrix(n: int, dtype: Any = uint8, dst: Tensor = None) -> Tensor:
    """An `n x n` identity matrix constant (deduplicated per dtype by the compiler)."""


@api(experimental=True, since="0.3.0")
def load(src: Tensor, dtype: Any = None) -> Tensor:
    """Copy an HBM view into a new SBUF tile (one `dma_copy`)."""


@api(experimental=True, since="0.3.0")
def store(dst: Tensor, value: Tensor) -> None:
    """Copy an SBUF tile into an HBM view (one `dma_copy`); PSUM values are not supported."""


@api(experimental=True)
def load_transpose2d(src: Tensor, dtype: Any = None) -> Tensor:
    """Load an HBM `[F, P]` view into a new SBUF `[P, F]` tile, transposing during the DMA."""


@api()
def copy(x: Tensor, dtype: Any = None) -> Tensor:
    """Copy an SBUF/PSUM tile into a new SBUF tile (Vector `tensor_copy`); also the identity activation."""


@api(experimental=True)
def matmul(x: Tensor, y: Tensor, transpose_x: bool = False) -> Tensor:
    """Matrix product into a new fp32 PSUM tile: `x @ y`, or `x.T @ y` with `transpose_x=True`.

    x: SBUF, P <= 128, F <= 128; y: SBUF, P <= 128, F <= 512. Only `transpose_x=True` works in 0.4-0.6.
    """


@api(experimental=True)
def transpose(x: Tensor, dtype: Any = None) -> Tensor:
    """Swap the partition and free dims of a 2-D tile; the result is a PSUM tile."""


@api(experimental=True)
def broadcast_to(x: Tensor, shape: Shape, dtype: Any = None) -> Tensor:
    """Broadcast a tile to `shape` (NumPy rules, including the partition dim)."""


@api(experimental=True)
def expand_dims(x: Tensor, axis: int) -> Tensor:
    """View of `x` with a new size-1 axis."""


@api(experimental=True)
def gather_flattened(data: Tensor, indices: Tensor, axis: int = 0, dtype: Any = None) -> Tensor:
    """Per-partition gather from the flattened free dims: `out[p, j] = flat(data[p])[indices[p, j]]`."""


@api()
def device_print(print_prefix: str, tensor: Tensor) -> None:
    """Print a tensor at run time with a constant string prefix (stdout when simulated)."""
