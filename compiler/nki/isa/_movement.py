"""`nki.isa` data-movement instructions (nki-api.md §4.1)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import Any

from nki._meta import V3_PLUS, api
from nki.isa._core import NkiInstruction
from nki.isa.constants import dge_mode, dma_engine, engine, oob_mode

__all__ = [
    "dma_copy", "dma_transpose", "dma_compute", "tensor_copy", "tensor_copy_predicated", "memset", "iota",
    "local_gather", "nc_n_gather", "nc_stream_shuffle", "sendrecv", "core_barrier",
]  # fmt: skip

Tensor = Any


@api(constraints={"trn1": "no hwdge; no priority", "trn2": "no priority", "trn3": "priority 0-3 allowed"})
def dma_copy(
    dst: Tensor,
    src: Tensor,
    priority: int | None = None,
    oob_mode: oob_mode = oob_mode.error,
    dge_mode: dge_mode = dge_mode.unknown,
    engine: engine = engine.unknown,
    name: str | None = None,
) -> NkiInstruction:
    """Copy `src` to `dst` with a DMA (HBM or SBUF operands, never PSUM); casts through fp32 unless hwdge.

    Element counts must match. `engine` (sync or scalar) only with hwdge; `priority` is trn3-only.
    """


@api(constraints={"trn1": "direct transposes only", "trn2": "indirect (vector_offset) source allowed"})
def dma_transpose(
    dst: Tensor,
    src: Tensor,
    axes: tuple[int, ...] | None = None,
    priority: int | None = None,
    dge_mode: dge_mode = dge_mode.unknown,
    oob_mode: oob_mode = oob_mode.error,
    name: str | None = None,
) -> NkiInstruction:
    """Transpose while copying into SBUF; `axes` is one of (1,0), (2,1,0), (3,1,2,0).

    `dst.shape` must equal the permuted `src.shape`; src and dst dtypes must match.
    """


@api()
def dma_compute(
    dst: Tensor,
    srcs: list[Tensor],
    reduce_op: Any,
    scales: list[float] | None = None,
    unique_indices: bool = True,
    oob_mode: oob_mode = oob_mode.error,
    name: str | None = None,
) -> NkiInstruction:
    """DMA with compute: `dst = reduce_op(srcs...)` (only `nl.add`, at most 16 sources, fp32 internally)."""


@api(
    constraints={"trn1": "Vector or GpSimd only (no Scalar-engine copy)", "trn2": "Vector, Scalar or GpSimd"}
)
def tensor_copy(
    dst: Tensor, src: Tensor, engine: engine = engine.unknown, name: str | None = None
) -> NkiInstruction:
    """Copy an SBUF/PSUM tile on a compute engine (bit-exact when dtypes match; GpSimd cannot touch PSUM)."""


@api()
def tensor_copy_predicated(
    dst: Tensor, src: Any, predicate: Tensor, reverse_pred: bool = False, name: str | None = None
) -> NkiInstruction:
    """Copy `src` into `dst` where `predicate` is nonzero (inverted by `reverse_pred`) on the Vector engine."""


@api()
def memset(
    dst: Tensor, value: Any, engine: engine = engine.unknown, name: str | None = None
) -> NkiInstruction:
    """Fill `dst` with a compile-time constant (Vector or GpSimd); the value must match the dtype kind."""


@api()
def iota(
    dst: Tensor,
    pattern: list[list[int]],
    offset: Any = 0,
    channel_multiplier: int = 0,
    name: str | None = None,
) -> NkiInstruction:
    """Fill an SBUF tile with the affine index `offset + p * channel_multiplier + sum(idx * step)` (GpSimd)."""


@api()
def local_gather(
    dst: Tensor,
    src_buffer: Tensor,
    index: Tensor,
    num_elem_per_idx: int = 1,
    num_valid_indices: int | None = None,
    name: str | None = None,
) -> NkiInstruction:
    """Gather elements within each 16-partition GpSimd core by uint16 indices (SBUF only)."""


@api()
def nc_n_gather(dst: Tensor, data: Tensor, indices: Tensor, name: str | None = None) -> NkiInstruction:
    """Per-partition gather `dst[p, j] = flat(data[p])[indices[p, j]]` on GpSimd (uint32 indices)."""


@api()
def nc_stream_shuffle(
    dst: Tensor, src: Tensor, shuffle_mask: list[int], name: str | None = None
) -> NkiInstruction:
    """Shuffle partitions within each 32-partition quadrant by a 32-entry mask (255 keeps dst)."""


@api(targets=V3_PLUS)
def sendrecv(
    src: Tensor,
    dst: Tensor,
    send_to_rank: int,
    recv_from_rank: int,
    pipe_id: int,
    dma_engine: dma_engine = dma_engine.dma,
    name: str | None = None,
) -> NkiInstruction:
    """Exchange SBUF tiles with the peer core of an LNC2 kernel (send `src`, receive into `dst`)."""


@api(targets=V3_PLUS)
def core_barrier(
    data: Tensor, cores: tuple[int, ...], engine: engine = engine.gpsimd, name: str | None = None
) -> NkiInstruction:
    """Barrier between the two cores of an LNC2 kernel on a shared-HBM tensor (`cores=(0, 1)`)."""
