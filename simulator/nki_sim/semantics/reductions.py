"""Reductions and search instructions (nki-api.md §4.3): tensor_reduce, partition reduce, bn_stats/bn_aggr,
max8, nc_find_index8, nc_match_replace8."""

from __future__ import annotations

from typing import Any

import numpy as np

from nki_sim import numerics
from nki_sim.semantics.alu import REDUCE_UFUNCS
from nki_sim.semantics.common import (
    Core,
    TensorView,
    bits,
    name_of,
    read,
    read_pf,
    require,
    require_buffer,
    require_dtype,
    require_tile,
    write,
    write_bits,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.elementwise import resolve_op
from nki_sim.semantics.registry import Work, instruction, prepared


@prepared
def tensor_reduce(
    core: Core,
    dst: TensorView,
    op: Any,
    data: TensorView,
    axis: Any,
    negate: bool = False,
    keepdims: bool = False,
) -> Work:
    opcode = "tensor_reduce"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    alu = resolve_op(core, opcode, "op", op, ("arith", "bitvec"))
    require(alu.reducible, opcode, f"op={alu.name} is not a reduction operator", "§4.0.2 legal reduction ops")
    axes = tuple(
        sorted({int(a) % data.array.ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,))})
    )
    ndim = data.array.ndim
    require(0 not in axes and axes == tuple(range(ndim - len(axes), ndim)), opcode,
            f"axis {axes} must be trailing free dims of a rank-{ndim} tile", "§6.7 reduce trailing free axes, never 0")  # fmt: skip
    require(
        dst.partitions == data.partitions, opcode, "dst and data partitions differ", "§4.3 same partitions"
    )
    P = data.partitions
    kept = int(np.prod([data.shape[a] for a in range(ndim) if a not in axes])) // P
    require(dst.free_size == kept, opcode, f"dst has {dst.free_size} elements per partition, the reduction gives "
            f"{kept}", "§4.3 dst size consistent with axis")  # fmt: skip
    ufunc = REDUCE_UFUNCS[alu.name]
    if alu.is_bitvec:
        require(numerics.is_integer(data.dtype) and numerics.is_integer(dst.dtype), opcode,
                "bitvec reductions need integer dtypes", "§4.0.2 bitvec ops need integer dtypes")  # fmt: skip
        require(not negate, opcode, "negate needs an arithmetic op", "§4.3 negate arithmetic only")
        return lambda core, t: write_bits(
            t["dst"], ufunc.reduce(bits(t["data"]).reshape(P, kept, -1), axis=2)
        )

    def work(core: Core, t: dict[str, Any]) -> None:
        result = ufunc.reduce(read(t["data"]).reshape(P, kept, -1), axis=2).astype(np.float32)
        write_pf(t["dst"], -result if negate else result)

    return work


PARTITION_REDUCE = ("add", "average", "maximum", "bitwise_or", "bitwise_and")


@instruction
def tensor_partition_reduce(core: Core, dst: TensorView, op: Any, data: TensorView) -> None:
    opcode = "tensor_partition_reduce"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    name = {"max": "maximum"}.get(name_of(op) or "", name_of(op) or "")
    require(
        name in PARTITION_REDUCE, opcode, f"op={name} not in {PARTITION_REDUCE}", "§4.3 partition reduce ops"
    )
    for n, t in (("dst", dst), ("data", data)):
        require_buffer(opcode, n, t, ("sbuf",), "§4.3 GpSimd: SBUF only")
    require(dst.partitions == 1 and dst.free_size == data.free_size, opcode,
            f"dst {list(dst.shape)} must be [1, {data.free_size}]", "§4.3 dst is one partition")  # fmt: skip
    if name.startswith("bitwise"):
        write_bits(dst, REDUCE_UFUNCS[name].reduce(bits(data), axis=0)[None, :])
        return
    values = read_pf(data)
    result = (
        values.mean(axis=0, dtype=np.float32)
        if name == "average"
        else REDUCE_UFUNCS[name].reduce(values, axis=0)
    )
    write_pf(dst, result[None, :])


@instruction
def bn_stats(core: Core, dst: TensorView, data: TensorView) -> None:
    opcode = "bn_stats"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require(
        data.free_size <= 512, opcode, f"free size {data.free_size} exceeds 512", "§4.3 bn_stats_fmax 512"
    )
    require(dst.partitions == data.partitions and dst.free_size == 6, opcode, "dst must be [P, 6]",
            "§4.3 bn_stats dst 6 per partition")  # fmt: skip
    x = read_pf(data).astype(np.float64)
    halves = []
    for part in (x[:, 0::2], x[:, 1::2]):
        count = part.shape[1]
        mean = part.mean(axis=1) if count else np.zeros(x.shape[0])
        var = part.var(axis=1) if count else np.zeros(x.shape[0])
        halves += [np.full(x.shape[0], count), mean, var * count]
    write_pf(dst, np.stack(halves, axis=1).astype(np.float32))


@instruction
def bn_aggr(core: Core, dst: TensorView, data: TensorView) -> None:
    opcode = "bn_aggr"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require(data.free_size % 3 == 0, opcode, f"{data.free_size} elements per partition is not a multiple of 3",
            "§4.3 bn_aggr triples")  # fmt: skip
    require(dst.partitions == data.partitions and dst.free_size == 2, opcode, "dst must be [P, 2]",
            "§4.3 bn_aggr dst 2 per partition")  # fmt: skip
    triples = read_pf(data).astype(np.float64).reshape(data.partitions, -1, 3)
    count, mean, m2 = triples[:, :, 0], triples[:, :, 1], triples[:, :, 2]
    total = count.sum(axis=1)
    grand = (count * mean).sum(axis=1) / total
    variance = (m2 + count * (mean - grand[:, None]) ** 2).sum(axis=1) / total
    write_pf(dst, np.stack([grand, variance], axis=1).astype(np.float32))


def _check_search(opcode: str, data: TensorView, dst: TensorView, data_name: str) -> None:
    require(8 <= data.free_size <= 16384, opcode, f"{data_name} has {data.free_size} elements per partition "
            "(8..16384)", "§4.3 8..16384 elements per partition")  # fmt: skip
    require(dst.partitions == data.partitions and dst.free_size == 8, opcode, f"dst {list(dst.shape)} is not "
            f"[{data.partitions}, 8]", "§4.3 dst [P, 8]")  # fmt: skip


@instruction
def max8(core: Core, dst: TensorView, src: TensorView) -> None:
    opcode = "max8"
    dst, src = require_tile(opcode, "dst", dst), require_tile(opcode, "src", src)
    _check_search(opcode, src, dst, "src")
    values = read_pf(src)
    write_pf(dst, -np.sort(-values, axis=1, kind="stable")[:, :8])


@instruction
def nc_find_index8(core: Core, dst: TensorView, data: TensorView, vals: TensorView) -> None:
    opcode = "nc_find_index8"
    dst, data, vals = (require_tile(opcode, n, t) for n, t in (("dst", dst), ("data", data), ("vals", vals)))
    _check_search(opcode, data, dst, "data")
    require_dtype(opcode, "dst", dst, ("uint16", "uint32"), "§4.3 find_index8 dst uint16/uint32")
    require(vals.partitions == data.partitions and vals.free_size == 8, opcode, "vals must hold 8 per partition",
            "§4.3 vals 8 per partition")  # fmt: skip
    write_bits(dst, _first_matches(read_pf(data), read_pf(vals), range(8), dst.array.itemsize * 8))


def _first_matches(data: np.ndarray, vals: np.ndarray, order: Any, width: int) -> np.ndarray:
    """Per partition, index of the first not-yet-taken occurrence of each value (processed in `order`)."""
    missing = (1 << width) - 1
    out = np.full(vals.shape, missing, dtype=np.int64)
    taken = np.zeros(data.shape, dtype=bool)
    for i in order:  # 8 vectorised passes over all partitions
        hits = (data == vals[:, i : i + 1]) & ~taken
        found = hits.any(axis=1)
        first = hits.argmax(axis=1)
        out[found, i] = first[found]
        taken[np.nonzero(found)[0], first[found]] = True
    return out


@instruction
def nc_match_replace8(
    core: Core,
    dst: TensorView,
    data: TensorView,
    vals: TensorView,
    imm: float,
    dst_idx: TensorView | None = None,
) -> None:
    opcode = "nc_match_replace8"
    dst, data, vals = (require_tile(opcode, n, t) for n, t in (("dst", dst), ("data", data), ("vals", vals)))
    require(8 <= data.free_size <= 16384, opcode, "data needs 8..16384 elements per partition",
            "§4.3 8..16384 elements per partition")  # fmt: skip
    require(dst.partitions == data.partitions and dst.free_size == data.free_size, opcode,
            "dst and data differ in shape", "§4.3 dst like data")  # fmt: skip
    values = read_pf(data)
    positions = _first_matches(values, read_pf(vals), range(7, -1, -1), 32)
    result = values.copy()
    rows, cols = np.nonzero(positions != (1 << 32) - 1)
    result[rows, positions[rows, cols]] = np.float32(imm)
    write(dst, result.reshape(dst.shape))
    if dst_idx is not None:
        write_pf(require_tile(opcode, "dst_idx", dst_idx), positions.astype(np.float64))
