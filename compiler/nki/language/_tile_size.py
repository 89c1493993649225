"""`nl.tile_size`: hardware tile-size constants of the current target (nki-api.md §1.3)."""

from __future__ import annotations

import os

from nki._meta import api
from nki._target import TARGETS, current_target, normalize_target

__all__ = ["tile_size", "tile_size_for"]

_SBUF_PARTITION_BYTES = {"trn1": 196608, "trn2": 229376, "trn3": 262144}
#: Usable bytes per partition (the rest is reserved by the compiler); values of the KLR tracer [EXT].
_SBUF_USABLE_BYTES = {"trn1": 180224, "trn2": 212984, "trn3": 245752}


class _TileSize:
    """Tile-size limits of one target; `nl.tile_size` follows the current target."""

    def __init__(self, target: str | None = None) -> None:
        self._target = normalize_target(target) if target is not None else None

    def _for_target(self) -> str:
        """Target these values describe (`trn1`, `trn2` or `trn3`)."""
        return self._target or current_target()

    def __repr__(self) -> str:
        return f"tile_size({self._for_target()})"

    @property
    def pmax(self) -> int:
        """Maximum partition dimension of a tile (128)."""
        return 128

    @property
    @api(stub=False, deprecated="deprecated since NKI 0.4: use tile_size.psum_bank_fmax", since="0.1.0")
    def psum_fmax(self) -> int:
        """Maximum free size of a PSUM tile per partition in fp32 elements (old name of psum_bank_fmax)."""
        return 512

    @property
    def psum_bank_fmax(self) -> int:
        """Maximum free size per PSUM bank per partition, in fp32 elements (512)."""
        return 512

    @property
    def psum_bank_fmax_bytes(self) -> int:
        """Maximum free size per PSUM bank per partition, in bytes (2048)."""
        return 2048

    @property
    @api(stub=False, since="0.5.0")
    def psum_num_banks(self) -> int:
        """Usable PSUM banks per partition: 8, or 7 when bank 7 is reserved for DMA-transpose emulation."""
        reserved = os.environ.get("NKI_DMA_TRANSPOSE_AS_PE_TRANSPOSE", "").lower() in ("1", "true")
        return 7 if reserved and self._for_target() != "trn1" else 8

    @property
    def gemm_stationary_fmax(self) -> int:
        """Maximum free size of the stationary matmul operand (128)."""
        return 128

    @property
    def gemm_moving_fmax(self) -> int:
        """Maximum free size of the moving matmul operand (512)."""
        return 512

    @property
    def bn_stats_fmax(self) -> int:
        """Maximum free size of a `bn_stats` input (512)."""
        return 512

    @property
    def psum_min_align(self) -> int:
        """Minimum byte alignment of a PSUM free-dim address (4; not in the docs, from the KLR tracer)."""
        return 4

    @property
    def sbuf_min_align(self) -> int:
        """Minimum byte alignment of an SBUF free-dim address (1; not in the docs, from the KLR tracer)."""
        return 1

    @property
    def sbuf_size_bytes(self) -> int:
        """Total SBUF bytes over all 128 partitions (24/28/32 MiB on trn1/trn2/trn3)."""
        return 128 * _SBUF_PARTITION_BYTES[self._for_target()]

    @property
    def sbuf_fmax_bytes(self) -> int:
        """Usable SBUF bytes per partition."""
        return _SBUF_USABLE_BYTES[self._for_target()]

    @property
    def sbuf_fmax(self) -> int:
        """Usable SBUF size per partition in fp32 elements (`sbuf_fmax_bytes // 4`)."""
        return self.sbuf_fmax_bytes // 4

    @property
    @api(
        stub=False,
        deprecated="deprecated since NKI 0.4: use tile_size.sbuf_fmax_bytes (per partition)",
        since="0.1.0",
    )
    def total_available_sbuf_size(self) -> int:
        """Usable SBUF bytes per partition, despite the name (old name of sbuf_fmax_bytes)."""
        return self.sbuf_fmax_bytes


#: Tile-size constants of the current target (`NEURON_PLATFORM_TARGET_OVERRIDE`, default trn3).
tile_size = _TileSize()


@api(stub=False)
def tile_size_for(target: str) -> _TileSize:
    """Tile-size constants of a given target (`trn1`, `trn2`, `trn3` or an alias such as `gen3`)."""
    return _TileSize(target)


assert TARGETS == tuple(_SBUF_USABLE_BYTES)
