"""`nki.collectives`: multi-rank collective communication (nki-api.md §5; not run by the simulator).

`srcs`/`dsts` are lists of tensors (all in HBM or all in SBUF); every call accepts `priority=None`
(0-3, trn3 only) and `name=None`. Intra-LNC exchanges are `nisa.sendrecv` / `nisa.core_barrier`.
"""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nki._meta import api
from nki.isa import NkiInstruction, VirtualRegister
from nki.language import NKIObject

__all__ = [
    "ReplicaGroup", "all_reduce", "all_gather", "all_gather_v", "reduce_scatter", "all_to_all", "all_to_all_v",
    "collective_permute", "collective_permute_implicit", "collective_permute_implicit_reduce",
    "collective_permute_implicit_current_processing_rank_id", "rank_id",
]  # fmt: skip

Tensor = Any


@api(stub=False)
@dataclass
class ReplicaGroup(NKIObject):
    """The ranks a collective runs on, as non-overlapping lists of ranks (e.g. `[[0, 1, 2, 3]]`)."""

    replica_groups: list[list[int]] = field(default_factory=list)


@api()
def all_reduce(
    srcs: list[Tensor], dsts: list[Tensor], replica_group: ReplicaGroup, op: Any,
    priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Reduce tensors across the ranks of each group (`op` in add, minimum, maximum); all ranks get the result."""


@api()
def all_gather(
    srcs: list[Tensor], dsts: list[Tensor], replica_group: ReplicaGroup, collective_dim: int,
    priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Concatenate every rank's tensor along `collective_dim` (HBM: dim 0; 2-D SBUF: dim 0 or 1)."""


@api(since="0.6.0")
def all_gather_v(
    srcs: list[Tensor], dsts: list[Tensor], replica_group: ReplicaGroup, metadata_tensor: Tensor,
    recv_counts_known: bool = False, has_rdispls: bool = False, priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Variable-length all-gather driven by a uint32 metadata tensor of counts and displacements."""


@api()
def reduce_scatter(
    srcs: list[Tensor], dsts: list[Tensor], replica_group: ReplicaGroup, collective_dim: int, op: Any,
    priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Reduce across ranks and give each rank one slice along `collective_dim` (dim 0 only)."""


@api()
def all_to_all(
    srcs: list[Tensor], dsts: list[Tensor], replica_group: ReplicaGroup, collective_dim: int,
    priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Exchange slices along `collective_dim` between all ranks (HBM, dim 0 only)."""


@api(since="0.3.0")
def all_to_all_v(
    srcs: list[Tensor], dsts: list[Tensor], replica_group: ReplicaGroup, metadata_tensor: Tensor,
    recv_counts_known: bool = False, has_rdispls: bool = False, priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """All-to-all with per-destination counts and displacements from a metadata tensor (HBM)."""


@api()
def collective_permute(
    srcs: list[Tensor], dsts: list[Tensor], source_target_pairs: list[tuple[int, int]],
    priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Send tensors along explicit `(source, target)` rank pairs (HBM, one tensor each)."""


@api()
def collective_permute_implicit(
    srcs_by_channel: list[Tensor], dsts_by_channel: list[Tensor], replica_group: ReplicaGroup,
    channel_ids: list[int] = [0], priority: int | None = None, name: str | None = None,  # noqa: B006
) -> NkiInstruction:  # fmt: skip
    """Ring step: send to the successor and receive from the predecessor, one tensor per channel."""


@api()
def collective_permute_implicit_reduce(
    srcs0_by_channel: list[Tensor], srcs1_by_channel: list[Tensor], dsts_by_channel: list[Tensor],
    replica_group: ReplicaGroup, op: Any, channel_ids: list[int] = [0],  # noqa: B006
    priority: int | None = None, name: str | None = None,
) -> NkiInstruction:  # fmt: skip
    """Ring step that sends `op(srcs0, srcs1)` to the successor."""


@api()
def collective_permute_implicit_current_processing_rank_id(
    iteration_id: Any, replica_group: ReplicaGroup, channel_id: int = 0, name: str | None = None
) -> VirtualRegister:
    """Register holding the rank whose data is processed at ring step `iteration_id` (own rank at 0)."""


@api()
def rank_id(name: str | None = None) -> VirtualRegister:
    """Register holding the current rank."""
