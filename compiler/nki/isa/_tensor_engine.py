"""`nki.isa` Tensor-engine and MX instructions (nki-api.md §4.2)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import Any

from nki._meta import V4, api
from nki.isa._core import NkiInstruction
from nki.isa.constants import engine, matmul_perf_mode

__all__ = ["nc_matmul", "nc_matmul_mx", "nc_transpose", "quantize_mx"]

Tensor = Any


@api(
    constraints={
        "trn1": "moving free size <= 512; dst fp32; no double_row/transpose mode; tile sizes 64 or 128",
        "trn2": "moving free size <= 512; dst fp32 (bf16/fp16 only in transpose mode); tile sizes 32/64/128",
        "trn3": "moving free size <= 4096 (fp32 dst) / 8192 (bf16 dst); dst fp32 or bf16; fp8_e4m3fn inputs",
    }
)
def nc_matmul(
    dst: Tensor,
    stationary: Tensor,
    moving: Tensor,
    is_stationary_onezero: bool = False,
    is_moving_onezero: bool = False,
    is_transpose: bool = False,
    accumulate: bool | None = None,
    tile_position: tuple[int, ...] = (),
    tile_size: tuple[int, ...] = (),
    perf_mode: matmul_perf_mode = matmul_perf_mode.none,
    name: str | None = None,
) -> NkiInstruction:
    """Matrix multiply on the Tensor engine: `dst (+)= stationary.T @ moving` into PSUM.

    stationary `[K, M]`, moving `[K, N]` in SBUF, dst `[M, N]` in PSUM; K, M <= 128.
    `accumulate=None` lets the compiler pick overwrite (first write) or accumulate.
    """


@api(targets=V4)
def nc_matmul_mx(
    dst: Tensor,
    stationary: Tensor,
    moving: Tensor,
    stationary_scale: Tensor,
    moving_scale: Tensor,
    tile_position: tuple[int, ...] | None = None,
    tile_size: tuple[int, ...] | None = None,
    accumulate: bool | None = None,
    name: str | None = None,
) -> NkiInstruction:
    """MXFP8/MXFP4 matrix multiply with per-group scales (trn3).

    Data in x4 packed dtypes, scales float8_e8m0fnu or uint8; K multiple of 32, <= 128; M even.
    """


@api()
def nc_transpose(
    dst: Tensor, data: Tensor, engine: engine = engine.unknown, name: str | None = None
) -> NkiInstruction:
    """Transpose partition and free dims: Tensor engine (<= 128x128, into PSUM) or Vector (<= 32x32)."""


@api(targets=V4)
def quantize_mx(dst: Tensor, src: Tensor, dst_scale: Tensor, name: str | None = None) -> NkiInstruction:
    """Quantize fp16/bf16 data to an MX fp8 x4 dtype plus e8m0 scales on the Vector engine (trn3)."""
