"""`nki.isa` Vector/Scalar/GpSimd element-wise, reduction, scan and selection instructions (nki-api.md §4.3)."""

# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import Any

from nki._meta import V3_PLUS, V4, api
from nki.isa._core import NkiInstruction
from nki.isa.constants import engine, reduce_cmd
from nki.language._math import equal, maximum

__all__ = [
    "tensor_tensor", "tensor_scalar", "scalar_tensor_tensor", "tensor_reduce", "tensor_partition_reduce",
    "tensor_scalar_reduce", "tensor_scalar_cumulative", "tensor_tensor_scan", "reciprocal", "exponential",
    "bn_stats", "bn_aggr", "affine_select", "range_select", "select_reduce", "max8", "nc_find_index8",
    "nc_match_replace8", "sequence_bounds", "nonzero_with_count", "topk",
]  # fmt: skip

Tensor = Any
#: Smallest finite fp32, the only `on_false_value` accepted by `range_select`.
_FP32_MIN = -3.4028235e38


@api()
def tensor_tensor(
    dst: Tensor,
    data1: Tensor,
    data2: Tensor,
    op: Any,
    engine: engine = engine.unknown,
    name: str | None = None,
) -> NkiInstruction:
    """Element-wise `dst = op(data1, data2)` on Vector or GpSimd (same partitions and element counts)."""


@api(
    constraints={
        "trn2": "Scalar engine only (multiply, add), (multiply, None), (add, None)",
        "trn3": "square/relu/abs_max/abs_min accepted as op0; Scalar engine runs it natively",
    }
)
def tensor_scalar(
    dst: Tensor,
    data: Tensor,
    op0: Any,
    operand0: Any,
    reverse0: bool = False,
    op1: Any = None,
    operand1: Any = None,
    reverse1: bool = False,
    engine: engine = engine.unknown,
    name: str | None = None,
) -> NkiInstruction:
    """`dst = (data op0 operand0) op1 operand1` with scalar or `[P, 1]` operands broadcast along free dims."""


@api()
def scalar_tensor_tensor(
    dst: Tensor,
    data: Tensor,
    op0: Any,
    operand0: Any,
    op1: Any,
    operand1: Tensor,
    reverse0: bool = False,
    reverse1: bool = False,
    name: str | None = None,
) -> NkiInstruction:
    """`dst = (data op0 operand0) op1 operand1` on the Vector engine; operand1 is a full tile."""


@api()
def tensor_reduce(
    dst: Tensor,
    op: Any,
    data: Tensor,
    axis: Any,
    negate: bool = False,
    keepdims: bool = False,
    name: str | None = None,
) -> NkiInstruction:
    """Reduce free axes (a suffix ending at the last dim, never 0) with `op` on the Vector engine."""


@api()
def tensor_partition_reduce(dst: Tensor, op: Any, data: Tensor, name: str | None = None) -> NkiInstruction:
    """Reduce across the partition dim on GpSimd (`op` in add, average, maximum, bitwise_or, bitwise_and)."""


@api()
def tensor_scalar_reduce(
    dst: Tensor,
    data: Tensor,
    op0: Any,
    operand0: Any,
    reduce_op: Any,
    reduce_res: Tensor = None,
    reverse0: bool = False,
    reduce_cmd: reduce_cmd = reduce_cmd.reset_reduce,
    reduce_init: Any = None,
    reduce_res_negate: bool = False,
    name: str | None = None,
) -> NkiInstruction:
    """`dst = data op0 operand0` plus a free-dim reduction into the Vector accumulator / `reduce_res`."""


@api()
def tensor_scalar_cumulative(
    dst: Tensor,
    src: Tensor,
    op0: Any,
    op1: Any,
    imm0: Any,
    imm1: Any = None,
    reduce_cmd: reduce_cmd = reduce_cmd.reset_reduce,
    name: str | None = None,
) -> NkiInstruction:
    """Running scan along the free dim: `reg = op1(op0(src[i], imm0), reg); dst[i] = reg` (Vector)."""


@api()
def tensor_tensor_scan(
    dst: Tensor,
    data0: Tensor,
    data1: Tensor,
    initial: Any,
    op0: Any,
    op1: Any,
    reverse0: bool = False,
    reverse1: bool = False,
    name: str | None = None,
) -> NkiInstruction:
    """Scan `r[i] = op1(op0(data0[i], r[i-1]), data1[i])` along the free dim, from `initial` (Vector)."""


@api()
def reciprocal(dst: Tensor, data: Tensor, name: str | None = None) -> NkiInstruction:
    """Element-wise `dst = 1 / data` in fp32 on the Vector engine."""


@api(since="0.3.0", targets=V4)
def exponential(
    dst: Tensor,
    src: Tensor,
    max_value: Any = 0.0,
    reduce_res: Tensor = None,
    reduce_cmd: reduce_cmd = reduce_cmd.idle,
    reduce_init: float = 0.0,
    name: str | None = None,
) -> NkiInstruction:
    """`dst = exp(src - max_value)` on the Vector engine, optionally summing into the accumulator (trn3)."""


@api()
def bn_stats(dst: Tensor, data: Tensor, name: str | None = None) -> NkiInstruction:
    """Per-partition batch-norm statistics of even/odd elements (free size <= 512; 6 outputs)."""


@api()
def bn_aggr(dst: Tensor, data: Tensor, name: str | None = None) -> NkiInstruction:
    """Aggregate `bn_stats` outputs into per-partition `[mean, variance]`."""


@api()
def affine_select(
    dst: Tensor,
    pattern: list[list[int]],
    channel_multiplier: int,
    on_true_tile: Tensor,
    on_false_value: float,
    cmp_op: Any = equal,
    offset: int = 0,
    name: str | None = None,
) -> NkiInstruction:
    """Select `on_true_tile` where `cmp_op(affine index, 0)` holds, else `on_false_value` (GpSimd)."""


@api(targets=V3_PLUS)
def range_select(
    dst: Tensor,
    on_true_tile: Tensor,
    comp_op0: Any,
    comp_op1: Any,
    bound0: Tensor,
    bound1: Tensor,
    reduce_cmd: reduce_cmd = reduce_cmd.reset_reduce,
    reduce_res: Tensor = None,
    reduce_op: Any = maximum,
    range_start: int = 0,
    on_false_value: float = _FP32_MIN,
    name: str | None = None,
) -> NkiInstruction:
    """Keep elements whose free index lies within two bounds, fill the rest, and max-reduce (Vector)."""


@api()
def select_reduce(
    dst: Tensor,
    predicate: Tensor,
    on_true: Tensor,
    on_false: Any,
    reduce_res: Tensor = None,
    reduce_cmd: reduce_cmd = reduce_cmd.idle,
    reduce_op: Any = maximum,
    reverse_pred: bool = False,
    name: str | None = None,
) -> NkiInstruction:
    """`dst = where(predicate, on_true, on_false)` with an optional per-partition max reduction (Vector)."""


@api()
def max8(dst: Tensor, src: Tensor, name: str | None = None) -> NkiInstruction:
    """The 8 largest values of each partition, in descending order (`dst [P, 8]`)."""


@api()
def nc_find_index8(dst: Tensor, data: Tensor, vals: Tensor, name: str | None = None) -> NkiInstruction:
    """Per partition, the index of the first occurrence of each of 8 values (`dst [P, 8]` uint16/uint32)."""


@api()
def nc_match_replace8(
    dst: Tensor, data: Tensor, vals: Tensor, imm: Any, dst_idx: Tensor = None, name: str | None = None
) -> NkiInstruction:
    """Replace the first occurrence of each of 8 values by `imm`, optionally writing their positions."""


@api()
def sequence_bounds(dst: Tensor, segment_ids: Tensor, name: str | None = None) -> NkiInstruction:
    """Start/end index of each element's run of equal segment ids (`(1, n)` -> `(1, 2, n)`, GpSimd)."""


@api(targets=V3_PLUS)
def nonzero_with_count(
    dst: Tensor, src: Tensor, index_offset: int = 0, padding_val: int = -1, name: str | None = None
) -> NkiInstruction:
    """Indices of nonzero elements, padded, followed by their count (partitions 0, 16, ..., 112; GpSimd)."""


@api(since="0.6.0")
def topk(val_dst: Tensor, idx_dst: Tensor, src: Tensor, n: int, name: str | None = None) -> NkiInstruction:
    """The K largest of `n` bf16 values (ascending) and their indices, on GpSimd (K = val_dst free size)."""
