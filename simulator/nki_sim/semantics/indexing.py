"""GpSimd index-building instructions (nki-api.md §4.5): `sequence_bounds`, `nonzero_with_count`."""

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
