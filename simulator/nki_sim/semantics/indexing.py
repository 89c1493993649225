"""GpSimd index-building instructions (nki-api.md §4.3, §4.5): `sequence_bounds`, `nonzero_with_count`, `topk`."""

from __future__ import annotations

import numpy as np

from nki_sim.semantics.common import (
    Core,
    TensorView,
    read_pf,
    require,
    require_buffer,
    require_dtype,
    require_target,
    require_tile,
    write_bits,
    write_pf,
)
from nki_sim.semantics.registry import instruction

_INDEX_DTYPES = ("float32", "int32")
#: `nonzero_with_count` reads and writes only every 16th partition.
_ACTIVE_STEP = 16


@instruction
def sequence_bounds(core: Core, dst: TensorView, segment_ids: TensorView) -> None:
    """Per element: start and one-past-end of its run of equal consecutive ids; id 0 (padding) -> n, -1."""
    op = "sequence_bounds"
    dst, ids_tile = require_tile(op, "dst", dst), require_tile(op, "segment_ids", segment_ids)
    require(
        ids_tile.partitions == 1 and dst.partitions == 1,
        op,
        "partition dim must be 1",
        "§4.5 sequence_bounds",
    )
    for name, t in (("dst", dst), ("segment_ids", ids_tile)):
        require_dtype(op, name, t, _INDEX_DTYPES, "§4.5 sequence_bounds dtypes fp32/int32")
    ids = read_pf(ids_tile)[0]
    n = ids.size
    require(dst.free_size == 2 * n, op, f"dst needs (1, 2, {n}), got {list(dst.shape)}", "§4.5 dst (1, 2, n)")
    starts, ends = np.full(n, n, np.int64), np.full(n, -1, np.int64)
    run_start = 0
    for i in range(1, n + 1):
        if i == n or ids[i] != ids[run_start]:
            if ids[run_start] != 0:
                starts[run_start:i], ends[run_start:i] = run_start, i
            run_start = i
    write_pf(dst, np.concatenate([starts, ends]).reshape(1, 2 * n).astype(np.float64))


@instruction
def nonzero_with_count(
    core: Core, dst: TensorView, src: TensorView, index_offset: int = 0, padding_val: int = -1
) -> None:
    """Per active partition (0, 16, ..., 112): indices of nonzero elements (+ offset), padding, then count."""
    op = "nonzero_with_count"
    require_target(core, op, 3)
    dst, src = require_tile(op, "dst", dst), require_tile(op, "src", src)
    require_buffer(op, "dst", dst, ("sbuf",), "§4.5 nonzero_with_count SBUF")
    require_buffer(op, "src", src, ("sbuf",), "§4.5 nonzero_with_count SBUF")
    require_dtype(op, "src", src, _INDEX_DTYPES, "§4.5 nonzero_with_count src fp32/int32")
    require_dtype(op, "dst", dst, ("int32",), "§4.5 nonzero_with_count dst int32")
    require(
        dst.partitions == src.partitions, op, "dst and src differ in partitions", "§4.5 nonzero_with_count"
    )
    require(dst.free_size == src.free_size + 1, op, f"dst free size {dst.free_size} != src free size + 1",
            "§4.5 dst free = src free + 1")  # fmt: skip
    values, out = read_pf(src), read_pf(dst).astype(np.int64)
    for p in range(0, src.partitions, _ACTIVE_STEP):
        found = np.flatnonzero(values[p]) + int(index_offset)
        row = np.full(dst.free_size, int(padding_val), np.int64)
        row[: found.size], row[-1] = found, found.size
        out[p] = row
    write_pf(dst, out.astype(np.float64))


#: `topk` treats each group of 16 partitions as one "snake": element e sits at partition e % 16, column e // 16.
_SNAKE = 16


@instruction
def topk(core: Core, val_dst: TensorView, idx_dst: TensorView, src: TensorView, n: int) -> None:
    """Per 16-partition group: the K largest of its `n` snake-ordered elements (K = `val_dst` free size),
    written in ascending order with their 0-based snake indices to every partition of the group.

    Ties follow a stable descending sort (`np.argsort(-values, kind="stable")`): among equal values the
    lower index is selected first, so it comes last in the ascending output. The per-group reading of
    the ambiguous documentation is nki-api.md §8 item 7."""
    op = "topk"
    tiles = {"val_dst": val_dst, "idx_dst": idx_dst, "src": src}
    val_dst, idx_dst, src = (require_tile(op, name, t) for name, t in tiles.items())
    for name, t in (("val_dst", val_dst), ("idx_dst", idx_dst), ("src", src)):
        require_buffer(op, name, t, ("sbuf",), "§4.3 topk operands in SBUF")
    require_dtype(op, "src", src, ("bfloat16",), "§6 topk src bf16")
    require_dtype(op, "val_dst", val_dst, ("bfloat16",), "§6 topk val_dst bf16")
    require_dtype(op, "idx_dst", idx_dst, ("uint32",), "§6 topk idx_dst uint32")
    k, partitions = val_dst.free_size, src.partitions
    require(isinstance(n, int) and 8 <= n < 65536, op, f"n must be in [8, 65536), got {n}", "§6 topk n")
    require(1 <= k < 32768 and k <= n, op, f"K = {k} must be in [1, 32768) and <= n = {n}", "§6 topk K")
    require(
        partitions % _SNAKE == 0, op, f"partitions {partitions} must be a multiple of 16", "§6 topk P % 16"
    )
    require(src.free_size >= -(-n // _SNAKE), op, f"src holds {src.free_size} columns, n = {n} needs "
            f"{-(-n // _SNAKE)}", "§6 topk src_x >= ceil(n / 16)")  # fmt: skip
    for name, t in (("val_dst", val_dst), ("idx_dst", idx_dst)):
        require((t.partitions, t.free_size) == (partitions, k), op,
                f"{name} must be [{partitions}, {k}], got {list(t.shape)}", "§4.3 topk dst [P, K]")  # fmt: skip
    values = read_pf(src)
    out_values, out_indices = np.empty((partitions, k)), np.empty((partitions, k), np.int64)
    for group in range(0, partitions, _SNAKE):
        snake = values[group : group + _SNAKE].T.reshape(-1)[:n]
        chosen = np.argsort(-snake, kind="stable")[:k][::-1]
        out_values[group : group + _SNAKE], out_indices[group : group + _SNAKE] = snake[chosen], chosen
    write_pf(val_dst, out_values)
    write_bits(idx_dst, out_indices)
