"""Data movement instructions (nki-api.md §4.1): DMA, copies, memset, iota, gathers, stream shuffle."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nki_sim import numerics
from nki_sim.semantics.common import (
    Core,
    TensorView,
    copying,
    name_of,
    require,
    require_buffer,
    require_dtype,
    require_not_both_psum,
    require_same_pf,
    require_target,
    require_tile,
    write,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.registry import Work, instruction, prepared

DMA_BUFFERS = ("hbm", "sbuf")
ON_CHIP = ("sbuf", "psum")
TRANSPOSE_AXES = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}


def _check_dma_common(core: Core, opcode: str, priority: Any, dge: str) -> None:
    if priority is not None:
        require_target(core, opcode, 4, "priority=")
        require(
            priority in (0, 1, 2, 3), opcode, f"priority {priority} is not in 0..3", "§4.1 DMA priority 0-3"
        )
    if dge == "hwdge":
        require_target(core, opcode, 3, "dge_mode=hwdge")


@prepared
def dma_copy(
    core: Core, dst: TensorView, src: TensorView, priority: int | None = None, oob_mode: Any = None,
    dge_mode: Any = None, engine: Any = None,
) -> Work:  # fmt: skip
    op = "dma_copy"
    dst, src = require_tile(op, "dst", dst), require_tile(op, "src", src)
    for name, t in (("dst", dst), ("src", src)):
        require_buffer(op, name, t, DMA_BUFFERS, "§4.1 DMA cannot access PSUM")
    require(dst.array.size == src.array.size, op,
            f"dst has {dst.array.size} elements but src has {src.array.size}", "§4.1 equal element counts")  # fmt: skip
    dge = name_of(dge_mode) or "unknown"
    _check_dma_common(core, op, priority, dge)
    if dge == "hwdge":
        require(dst.dtype == src.dtype, op, f"hwdge copies raw bytes: dtypes {src.dtype} -> {dst.dtype} differ",
                "§4.1 hwdge needs equal dtypes")  # fmt: skip
    eng = name_of(engine) or "unknown"
    require(eng == "unknown" or (dge == "hwdge" and eng in ("sync", "scalar")), op,
            f"engine={eng} is only allowed with dge_mode=hwdge and engine sync/scalar", "§4.1 dma_copy engine")  # fmt: skip
    if numerics.is_mx(dst.dtype) or numerics.is_mx(src.dtype):
        require(
            dst.dtype == src.dtype,
            op,
            f"no cast between {src.dtype} and {dst.dtype}",
            "§1.4 no MX casts in DMA",
        )
    return copying(dst, src)


@instruction
def dma_transpose(
    core: Core, dst: TensorView, src: TensorView, axes: tuple[int, ...] | None = None, priority: int | None = None,
    dge_mode: Any = None, oob_mode: Any = None,
) -> None:  # fmt: skip
    op = "dma_transpose"
    dst, src = require_tile(op, "dst", dst), require_tile(op, "src", src)
    require_buffer(op, "dst", dst, ("sbuf",), "§4.1 dma_transpose dst in SBUF")
    require_buffer(op, "src", src, DMA_BUFFERS, "§4.1 dma_transpose src in HBM or SBUF")
    require(dst.dtype == src.dtype, op, f"dtypes differ: {src.dtype} -> {dst.dtype}", "§4.1 equal dtypes")
    rank = src.array.ndim
    require(rank in TRANSPOSE_AXES, op, f"src rank {rank} is not 2, 3 or 4", "§4.1 dma_transpose rank")
    perm = tuple(axes) if axes is not None else TRANSPOSE_AXES[rank]
    require(perm == TRANSPOSE_AXES[rank], op, f"axes {perm} not supported for rank {rank} (use {TRANSPOSE_AXES[rank]})",
            "§4.1 dma_transpose axes")  # fmt: skip
    expected = tuple(src.shape[a] for a in perm)
    require(dst.shape == expected, op, f"dst shape {list(dst.shape)} != permuted src shape {list(expected)}",
            "§4.1 dst shape equals permuted src shape")  # fmt: skip
    dge = name_of(dge_mode) or "unknown"
    require(dge in ("unknown", "hwdge"), op, f"dge_mode={dge} is not valid for a direct transpose",
            "§4.1 direct dma_transpose dge_mode")  # fmt: skip
    _check_dma_common(core, op, priority, dge)
    if dge == "hwdge":
        _check_hwdge_transpose(op, src)
    dst.array[...] = np.transpose(src.array, perm)


def _check_hwdge_transpose(op: str, src: TensorView) -> None:
    rule = "§4.1 dma_transpose hwdge shape"
    require(src.array.itemsize == 2, op, f"hwdge transpose needs a 2-byte dtype, not {src.dtype}", rule)
    require(src.shape[-1] <= 128, op, f"src last dim {src.shape[-1]} exceeds 128", rule)
    if src.array.ndim == 2:
        require(src.shape[0] == 16, op, f"2-D src needs shape[0] == 16, got {src.shape[0]}", rule)
    else:
        ok = src.shape[0] in (1, 2, 4, 8, 16) and (src.shape[0] * src.shape[-2]) % 16 == 0
        require(
            ok,
            op,
            f"src shape {list(src.shape)}: shape[0] in 1,2,4,8,16 and shape[0]*shape[-2] % 16 == 0",
            rule,
        )


@instruction
def dma_compute(
    core: Core, dst: TensorView, srcs: list[TensorView], reduce_op: Any, scales: Any = None,
    unique_indices: bool = True, oob_mode: Any = None,
) -> None:  # fmt: skip
    op = "dma_compute"
    dst = require_tile(op, "dst", dst)
    srcs = [require_tile(op, f"srcs[{i}]", s) for i, s in enumerate(srcs)]
    require(
        name_of(reduce_op) == "add",
        op,
        f"reduce_op {name_of(reduce_op)} is not add",
        "§4.1 dma_compute add only",
    )
    require(1 <= len(srcs) <= 16, op, f"{len(srcs)} srcs (1..16 allowed)", "§4.1 dma_compute <= 16 srcs")
    require(scales is None or all(float(s) == 1.0 for s in scales), op, "scales must be None or all 1.0",
            "§4.1 dma_compute scales")  # fmt: skip
    for name, t in [("dst", dst)] + [(f"srcs[{i}]", s) for i, s in enumerate(srcs)]:
        require_buffer(op, name, t, DMA_BUFFERS, "§4.1 DMA cannot access PSUM")
        require(t.array.size == dst.array.size, op, f"{name} has {t.array.size} elements, dst {dst.array.size}",
                "§4.1 equal element counts")  # fmt: skip
    total = np.zeros(dst.array.size, np.float32)
    for s in srcs:
        total += numerics.to_fp32(s.array, s.dtype).reshape(-1)
    write(dst, total.reshape(dst.shape))


@prepared
def tensor_copy(core: Core, dst: TensorView, src: TensorView, engine: Any = None) -> Work:
    op = "tensor_copy"
    dst, src = require_tile(op, "dst", dst), require_tile(op, "src", src)
    eng = name_of(engine) or "unknown"
    allowed = ("sbuf",) if eng == "gpsimd" else ON_CHIP
    require_buffer(op, "dst", dst, allowed, "§4.1 tensor_copy buffers (GpSimd cannot access PSUM)")
    require_buffer(op, "src", src, allowed, "§4.1 tensor_copy buffers (GpSimd cannot access PSUM)")
    if eng == "scalar":
        require_target(core, op, 3, "tensor_copy on the Scalar engine")
    require_same_pf(op, dst=dst, src=src)
    return copying(dst, src)


@instruction
def tensor_copy_predicated(
    core: Core, dst: TensorView, src: Any, predicate: TensorView, reverse_pred: bool = False
) -> None:
    op = "tensor_copy_predicated"
    dst, predicate = require_tile(op, "dst", dst), require_tile(op, "predicate", predicate)
    require_dtype(op, "predicate", predicate, ("uint8", "uint16", "uint32"), "§4.1 predicate dtype")
    mask = (predicate.array.reshape(dst.partitions, -1) != 0) ^ bool(reverse_pred)
    if isinstance(src, TensorView):
        require(
            src.dtype == dst.dtype, op, f"src dtype {src.dtype} != dst dtype {dst.dtype}", "§4.1 equal dtypes"
        )
        require_same_pf(op, dst=dst, src=src, predicate=predicate)
        require_not_both_psum(op, src=src, predicate=predicate)
        values = src.array.reshape(dst.partitions, -1)
    else:
        require_same_pf(op, dst=dst, predicate=predicate)
        values = numerics.cast(np.float32(src), dst.array.dtype, dst.dtype)
    current = dst.array.reshape(dst.partitions, -1)
    dst.array[...] = np.where(mask, values, current).reshape(dst.shape)


@prepared
def memset(core: Core, dst: TensorView, value: Any, engine: Any = None) -> Work:
    op = "memset"
    dst = require_tile(op, "dst", dst)
    eng = name_of(engine) or "unknown"
    require(eng in ("unknown", "vector", "gpsimd"), op, f"engine {eng} cannot memset", "§4.1 memset engines")
    if eng == "gpsimd":
        require_buffer(op, "dst", dst, ("sbuf",), "§4.0 GpSimd cannot access PSUM")
    if numerics.is_mx(dst.dtype):
        require(value == 0, op, f"{dst.dtype} tiles can only be set to 0", "§4.1 memset x4 value 0")
        stored = dst.array.dtype.type(0)
    elif numerics.is_integer(dst.dtype):
        require(isinstance(value, (int, np.integer)), op, f"value {value!r} is not an integer for {dst.dtype} dst",
                "§4.1 memset value matches dst dtype")  # fmt: skip
        stored = numerics.cast(np.array([value], np.int64), dst.array.dtype, dst.dtype)[0]
    else:
        stored = numerics.cast(np.array([value], np.float32), dst.array.dtype, dst.dtype)[0]
    return lambda core, t: t["dst"].array.fill(stored)


def _pattern(op: str, pattern: Any, free_size: int) -> tuple[list[int], list[int]]:
    pairs = [(int(step), int(num)) for step, num in pattern]
    require(
        1 <= len(pairs) <= 4, op, f"pattern has {len(pairs)} dims (1..4 allowed)", "§4.1 pattern <= 4 dims"
    )
    nums = [n for _, n in pairs]
    require(math.prod(nums) == free_size, op, f"pattern sizes {nums} cover {math.prod(nums)} elements, "
            f"dst has {free_size} per partition", "§4.1 prod(pattern nums) == elements per partition")  # fmt: skip
    return [s for s, _ in pairs], nums


def affine_values(
    op: str, pattern: Any, offset: int, channel_multiplier: int, partitions: int, free: int
) -> np.ndarray:
    """`offset + c*channel_multiplier + sum(idx*step)` as int64 `[P, F]` (iota and affine_select)."""
    steps, nums = _pattern(op, pattern, free)
    grid = np.zeros(nums, dtype=np.int64)
    for axis, (step, num) in enumerate(zip(steps, nums, strict=True)):
        shape = [1] * len(nums)
        shape[axis] = num
        grid = grid + (np.arange(num, dtype=np.int64) * step).reshape(shape)
    channel = np.arange(partitions, dtype=np.int64)[:, None] * int(channel_multiplier)
    return int(offset) + channel + grid.reshape(1, -1)


@instruction
def iota(core: Core, dst: TensorView, pattern: Any, offset: int = 0, channel_multiplier: int = 0) -> None:
    op = "iota"
    dst = require_tile(op, "dst", dst)
    require_buffer(op, "dst", dst, ("sbuf",), "§4.1 iota dst in SBUF")
    values = affine_values(op, pattern, offset, channel_multiplier, dst.partitions, dst.free_size)
    write_pf(dst, values.astype(np.int32))


@instruction
def local_gather(
    core: Core, dst: TensorView, src_buffer: TensorView, index: TensorView, num_elem_per_idx: int = 1,
    num_valid_indices: int | None = None,
) -> None:  # fmt: skip
    op = "local_gather"
    tiles = {"dst": dst, "src_buffer": src_buffer, "index": index}
    for name, t in tiles.items():
        require_buffer(op, name, require_tile(op, name, t), ("sbuf",), "§4.1 local_gather SBUF only")
    P = src_buffer.partitions
    require(P == index.partitions == dst.partitions and P % 16 == 0, op,
            f"partitions src={P} index={index.partitions} dst={dst.partitions} must be equal multiples of 16",
            "§4.1 local_gather partitions")  # fmt: skip
    require_dtype(op, "index", index, ("uint16",), "§4.1 local_gather index uint16")
    require(dst.dtype == src_buffer.dtype, op, "dst and src_buffer dtypes differ", "§4.1 no dtype cast")
    require(num_elem_per_idx in (1, 2, 4, 8, 16, 32), op, f"num_elem_per_idx {num_elem_per_idx}",
            "§4.1 num_elem_per_idx in {1,2,4,8,16,32}")  # fmt: skip
    per_core = index.free_size * 16
    valid = per_core if num_valid_indices is None else int(num_valid_indices)
    require(valid <= per_core and valid <= 4096, op, f"num_valid_indices {valid} exceeds {min(per_core, 4096)}",
            "§4.1 local_gather index count")  # fmt: skip
    require(dst.free_size == valid * num_elem_per_idx, op,
            f"dst has {dst.free_size} elements per partition, expected {valid * num_elem_per_idx}",
            "§4.1 dst elements = indices x elements per index")  # fmt: skip
    src = src_buffer.array.reshape(P, -1)
    idx_all = index.array.reshape(P, -1).astype(np.int64)
    out = np.empty((P, dst.free_size), dtype=src.dtype)
    span = np.arange(num_elem_per_idx, dtype=np.int64)
    for start in range(0, P, 16):
        idx = idx_all[start : start + 16].flatten(order="F")[:valid]
        cols = (idx[:, None] + span[None, :]).reshape(-1)
        require(
            bool(np.all(cols < src.shape[1])), op, "index out of range", "§4.1 local_gather index in bounds"
        )
        out[start : start + 16] = src[start : start + 16][:, cols]
    dst.array[...] = out.reshape(dst.shape)


@instruction
def nc_n_gather(core: Core, dst: TensorView, data: TensorView, indices: TensorView) -> None:
    op = "nc_n_gather"
    for name, t in (("dst", dst), ("data", data), ("indices", indices)):
        require_buffer(op, name, require_tile(op, name, t), ("sbuf",), "§4.1 nc_n_gather SBUF only")
    require_dtype(op, "indices", indices, ("uint32",), "§4.1 nc_n_gather indices uint32")
    require(dst.dtype == data.dtype, op, "dst and data dtypes differ", "§4.1 no dtype cast")
    require(dst.partitions == data.partitions == indices.partitions, op, "partition counts differ",
            "§4.1 equal partitions")  # fmt: skip
    require_same_pf(op, dst=dst, indices=indices)
    idx = indices.array.reshape(dst.partitions, -1).astype(np.int64)
    flat = data.array.reshape(data.partitions, -1)
    require(bool(np.all(idx < flat.shape[1])), op, f"index >= {flat.shape[1]} elements per partition",
            "§4.1 indices in [0, elements per partition)")  # fmt: skip
    dst.array[...] = np.take_along_axis(flat, idx, axis=1).reshape(dst.shape)


@instruction
def nc_stream_shuffle(core: Core, dst: TensorView, src: TensorView, shuffle_mask: Any) -> None:
    op = "nc_stream_shuffle"
    dst, src = require_tile(op, "dst", dst), require_tile(op, "src", src)
    for name, t in (("dst", dst), ("src", src)):
        require_buffer(op, name, t, ON_CHIP, "§4.1 SBUF or PSUM")
    mask = [int(m) for m in shuffle_mask]
    require(len(mask) == 32, op, f"shuffle_mask has {len(mask)} entries, needs 32", "§4.1 mask length 32")
    require(all(0 <= m <= 31 or m == 255 for m in mask), op, "mask entries must be in [0, 31] or 255",
            "§4.1 mask entries")  # fmt: skip
    require(dst.dtype == src.dtype, op, "dst and src dtypes differ", "§4.1 equal dtypes")
    require(dst.free_size == src.free_size, op, "elements per partition differ", "§4.1 equal elements")
    lanes = np.arange(dst.partitions)
    sources = (lanes // 32) * 32 + np.asarray(mask)[lanes % 32]
    keep = np.asarray(mask)[lanes % 32] == 255
    moved = ~keep
    require(bool(np.all(sources[moved] < src.partitions)), op,
            f"mask reads partitions beyond src's {src.partitions}", "§4.1 mask within active partitions")  # fmt: skip
    source = src.array.reshape(src.partitions, -1)
    result = dst.array.reshape(dst.partitions, -1).copy()
    result[moved] = source[sources[moved]]
    dst.array[...] = result.reshape(dst.shape)
