"""Memory regions (nki-api.md §3.1): `nl.sbuf`, `nl.psum`, `nl.hbm`, `nl.private_hbm`, `nl.shared_hbm`."""

from __future__ import annotations

import enum

from nki._meta import api, member_docs

__all__ = [
    "MemoryRegion",
    "sbuf", "psum", "private_hbm", "hbm", "shared_hbm",
    "is_hbm", "is_on_chip", "is_psum", "is_sbuf",
]  # fmt: skip


class MemoryRegion(enum.Enum):
    """Where a tensor lives: on-chip SBUF/PSUM or device memory (HBM)."""

    sbuf = "sbuf"
    psum = "psum"
    private_hbm = "private_hbm"
    shared_hbm = "shared_hbm"

    def __repr__(self) -> str:
        return f"nl.{self.name}"

    __str__ = __repr__


member_docs(
    MemoryRegion,
    sbuf="State buffer: 128 partitions, per kernel instance.",
    psum="Partial-sum buffer: 128 partitions x 16 KiB (8 banks of 2 KiB), per kernel instance.",
    private_hbm="Device memory private to one NeuronCore.",
    shared_hbm="Device memory visible to all kernel instances; required for kernel outputs.",
)

sbuf = MemoryRegion.sbuf
psum = MemoryRegion.psum
private_hbm = MemoryRegion.private_hbm
#: `nl.hbm` is an alias of `nl.private_hbm`.
hbm = MemoryRegion.private_hbm
shared_hbm = MemoryRegion.shared_hbm


@api(stub=False)
def is_hbm(buffer: MemoryRegion) -> bool:
    """True if `buffer` is device memory (private or shared HBM)."""
    return buffer in (MemoryRegion.private_hbm, MemoryRegion.shared_hbm)


@api(stub=False)
def is_on_chip(buffer: MemoryRegion) -> bool:
    """True if `buffer` is on-chip memory (SBUF or PSUM)."""
    return buffer in (MemoryRegion.sbuf, MemoryRegion.psum)


@api(stub=False)
def is_psum(buffer: MemoryRegion) -> bool:
    """True if `buffer` is the PSUM partial-sum buffer."""
    return buffer == MemoryRegion.psum


@api(stub=False)
def is_sbuf(buffer: MemoryRegion) -> bool:
    """True if `buffer` is the SBUF state buffer."""
    return buffer == MemoryRegion.sbuf
