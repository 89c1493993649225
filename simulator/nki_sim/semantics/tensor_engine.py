"""Tensor-engine instructions (nki-api.md §4.2): matmul with fp32 PSUM accumulation, transpose, MX."""

from __future__ import annotations

from typing import Any

import numpy as np

from nki_sim import numerics
from nki_sim.semantics.common import (
    Core,
    TensorView,
    fp32_out,
    name_of,
    read,
    read_pf,
    require,
    require_buffer,
    require_dtype,
    require_target,
    require_tile,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.registry import Work, instruction, prepared

FP8 = ("float8_e4m3", "float8_e5m2", "float8_e4m3fn")
PE_INPUTS = ("bfloat16", "float16", "tfloat32", "float32", "float8_e4m3", "float8_e5m2")
WIDE = ("float32", "tfloat32")
MX_DATA = ("float8_e5m2_x4", "float8_e4m3fn_x4", "float4_e2m1fn_x4")
MX_SCALES = ("float8_e8m0fnu", "uint8")


def _check_inputs(core: Core, op: str, stationary: TensorView, moving: TensorView, perf: str) -> None:
    allowed = PE_INPUTS + (("float8_e4m3fn",) if core.generation >= 4 else ())
    for name, t in (("stationary", stationary), ("moving", moving)):
        require_buffer(op, name, t, ("sbuf",), "§4.2 matmul inputs in SBUF")
        require_dtype(op, name, t, allowed, "§4.2 Tensor-engine input dtypes")
    pair = {stationary.dtype, moving.dtype}
    require(not (pair & set(WIDE)) or pair <= set(WIDE), op, f"{stationary.dtype} x {moving.dtype}: fp32/tf32 pair "
            "only with fp32/tf32", "§4.2 fp32/tf32 pairing")  # fmt: skip
    require(pair != {"float8_e4m3", "float8_e4m3fn"}, op, "float8_e4m3 and float8_e4m3fn cannot be mixed",
            "§4.2 no e4m3 + e4m3fn")  # fmt: skip
    if perf == "double_row":
        require_target(core, op, 3, "perf_mode=double_row")
        require(pair <= set(FP8), op, "double_row needs fp8 inputs", "§4.2 double_row fp8 only")


def _check_dst(core: Core, op: str, dst: TensorView, inputs: str, transpose: bool, n: int) -> None:
    require_buffer(op, "dst", dst, ("psum",), "§4.2 matmul dst in PSUM")
    allowed = ["float32"] + (["bfloat16"] if core.generation >= 4 else []) + ([inputs] if transpose else [])
    require_dtype(op, "dst", dst, tuple(allowed), "§4.2 matmul dst dtype")
    limit = 512 if core.generation < 4 else (8192 if dst.dtype == "bfloat16" else 4096)
    require(n <= limit, op, f"moving free size {n} exceeds {limit}", "§4.2 N limit (one PSUM bank on v2/v3)")


def _tile_limits(core: Core, op: str, tile_position: Any, tile_size: Any) -> tuple[int, int]:
    if not tile_position and not tile_size:
        return 128, 128
    require(bool(tile_position) and bool(tile_size), op, "tile_position and tile_size must be given together",
            "§4.2 tiling: both or neither")  # fmt: skip
    sizes = (32, 64, 128) if core.generation >= 3 else (64, 128)
    (row, col), (start_row, start_col) = tile_size, tile_position
    for what, size, start in (("row", row, start_row), ("column", col, start_col)):
        require(size in sizes, op, f"{what} size {size} not in {sizes}", "§4.2 tile sizes")
        require(start % size == 0 and 0 <= start < 128, op, f"{what} start {start} is not a multiple of {size}",
                "§4.2 tile positions")  # fmt: skip
    return int(row), int(col)


@prepared
def nc_matmul(
    core: Core, dst: TensorView, stationary: TensorView, moving: TensorView, is_stationary_onezero: bool = False,
    is_moving_onezero: bool = False, is_transpose: bool = False, accumulate: bool | None = None,
    tile_position: Any = (), tile_size: Any = (), perf_mode: Any = None,
) -> Work:  # fmt: skip
    op = "nc_matmul"
    dst, stationary, moving = (require_tile(op, n, t) for n, t in (("dst", dst), ("stationary", stationary),
                                                                    ("moving", moving)))  # fmt: skip
    perf = name_of(perf_mode) or "none"
    _check_inputs(core, op, stationary, moving, perf)
    rows, cols = _tile_limits(core, op, tile_position, tile_size)
    if is_transpose:
        require_target(core, op, 3, "is_transpose=True")
    K = stationary.partitions
    require(K == moving.partitions, op, f"contraction sizes differ: stationary {K}, moving {moving.partitions}",
            "§4.2 K_stationary == K_moving")  # fmt: skip
    require(K <= rows, op, f"K={K} exceeds the row size {rows}", "§4.2 K <= 128 / row_size")
    if perf == "double_row":
        M, N = _double_row_shape(op, stationary, moving)
    else:
        M, N = stationary.free_size, moving.free_size
    require(M <= cols, op, f"M={M} exceeds the column size {cols}", "§4.2 M <= 128 / column_size")
    require(dst.partitions == M and dst.free_size == N, op,
            f"dst {list(dst.shape)} does not hold the [{M}, {N}] result", "§4.2 dst [M, N]")  # fmt: skip
    _check_dst(core, op, dst, stationary.dtype, bool(is_transpose), N)
    transpose = bool(is_transpose) and core.generation >= 3

    def work(core: Core, t: dict[str, Any]) -> None:
        s, m = t["stationary"], t["moving"]
        result = _double_row(s, m) if perf == "double_row" else _product(read_pf(s), read_pf(m), transpose)
        accumulate_into_psum(core, op, t["dst"], result, accumulate)

    return work


def _product(s: np.ndarray, m: np.ndarray, transpose: bool) -> np.ndarray:
    if transpose and m.shape[0] == m.shape[1] and np.array_equal(m, np.eye(m.shape[0])):
        return s.T.copy()  # PE transpose mode is bit-exact, NaN/Inf included
    return np.matmul(s.T, m, dtype=np.float32)


def _double_row_shape(op: str, stationary: TensorView, moving: TensorView) -> tuple[int, int]:
    """The `[M, N]` result of a double-row matmul of `[K, 2, M]` by `[K, 2, N]` tiles."""
    s, m = stationary.shape, moving.shape
    require(len(s) == 3 and len(m) == 3 and s[1] == 2 and m[1] == 2, op,
            f"double_row needs [K, 2, M] x [K, 2, N], got {list(s)} x {list(m)}", "§4.2 double_row layout")  # fmt: skip
    return s[2], m[2]


def _double_row(stationary: TensorView, moving: TensorView) -> np.ndarray:
    return np.einsum("kli,klj->ij", read(stationary), read(moving), dtype=np.float32)


def accumulate_into_psum(
    core: Core, op: str, dst: TensorView, result: np.ndarray, accumulate: bool | None
) -> None:
    """Write or add `result [M, N]` into PSUM `dst`, tracking which locations matmuls have written.

    `accumulate=None` infers per location: the first matmul write overwrites, later ones add.
    `accumulate=True` onto a location no matmul wrote is undefined on hardware: warned, then simulated."""
    written = _written_view(dst)
    out = fp32_out(dst) if accumulate is not None else None
    if out is not None:  # plain fp32 PSUM: add or store in place (the same values, no temporaries)
        if accumulate:
            if written is not None and not written.all():
                core.warn(
                    op, f"accumulate=True onto PSUM {dst.name} locations never written by a matmul (UB)"
                )
            np.add(out, result, out=out)
        else:
            out[...] = result
        if written is not None:
            written[...] = True
        return
    old = read_pf(dst)
    if accumulate is None:
        add = written.reshape(old.shape) if written is not None else np.zeros(old.shape, bool)
        value = np.where(add, old + result, result)
    elif accumulate:
        if written is not None and not written.all():
            core.warn(op, f"accumulate=True onto PSUM {dst.name} locations never written by a matmul (UB)")
        value = old + result
    else:
        value = result
    write_pf(dst, value)
    if written is not None:
        written[...] = True


def _written_view(dst: TensorView) -> np.ndarray | None:
    mask = dst.storage.matmul_written
    if mask is None or dst.array.dtype != dst.storage.data.dtype or dst.array.size == 0:
        return None
    return np.lib.stride_tricks.as_strided(mask[dst.offset :], dst.shape, dst.strides, writeable=True)


@prepared
def nc_transpose(core: Core, dst: TensorView, data: TensorView, engine: Any = None) -> Work:
    op = "nc_transpose"
    dst, data = require_tile(op, "dst", dst), require_tile(op, "data", data)
    require(
        dst.dtype == data.dtype, op, f"dst dtype {dst.dtype} != data dtype {data.dtype}", "§4.2 equal dtypes"
    )
    eng = name_of(engine) or "unknown"
    if eng == "unknown":
        eng = "tensor" if dst.buffer == "psum" and data.buffer == "sbuf" else "vector"
    P, F = data.partitions, data.free_size
    require(dst.partitions == F and dst.free_size == P, op, f"dst {list(dst.shape)} is not the [{F}, {P}] transpose",
            "§4.2 dst [F, P]")  # fmt: skip
    if eng == "tensor":
        require(
            P <= 128 and F <= 128, op, f"data [{P}, {F}] exceeds 128x128", "§4.2 Tensor transpose <= 128x128"
        )
        require_buffer(op, "data", data, ("sbuf",), "§4.2 Tensor transpose SBUF -> PSUM")
        require_buffer(op, "dst", dst, ("psum",), "§4.2 Tensor transpose SBUF -> PSUM")
    else:
        require(eng == "vector", op, f"engine {eng} cannot transpose", "§4.2 nc_transpose engines")
        require(P <= 32 and F <= 32, op, f"data [{P}, {F}] exceeds 32x32", "§4.2 Vector transpose <= 32x32")
    if eng == "tensor" and core.generation == 2 and not numerics.is_integer(data.dtype):
        return _transpose_by_identity  # v2 multiplies by identity: NaN/Inf spread along the row

    def work(core: Core, t: dict[str, Any]) -> None:
        dst = t["dst"]
        dst.array[...] = t["data"].array.reshape(P, F).T.reshape(dst.shape)

    return work


def _transpose_by_identity(core: Core, t: dict[str, Any]) -> None:
    data = t["data"]
    write_pf(t["dst"], np.matmul(read_pf(data).T, np.eye(data.partitions, dtype=np.float32)))


def _scale_exponents(op: str, scale: TensorView, groups: int, columns: int, name: str) -> np.ndarray:
    """Scale exponent (byte - 127) per contraction group `[groups, columns]` from the quadrant layout."""
    raw = scale.array.reshape(scale.partitions, -1).view(np.uint8).astype(np.int32)
    rows = (
        np.arange(groups)
        if scale.partitions == groups
        else (np.arange(groups) // 4) * 32 + np.arange(groups) % 4
    )
    require(bool(rows.max(initial=0) < scale.partitions) and raw.shape[1] >= columns, op,
            f"{name} {list(scale.shape)} does not hold {groups} scale groups x {columns}", "§4.2 MX scale layout")  # fmt: skip
    return raw[rows, :columns] - 127


@instruction
def nc_matmul_mx(
    core: Core, dst: TensorView, stationary: TensorView, moving: TensorView, stationary_scale: TensorView,
    moving_scale: TensorView, tile_position: Any = None, tile_size: Any = None, accumulate: bool | None = None,
) -> None:  # fmt: skip
    op = "nc_matmul_mx"
    require_target(core, op, 4)
    for name, t in (("stationary", stationary), ("moving", moving)):
        require_dtype(op, name, require_tile(op, name, t), MX_DATA, "§4.2 MX data dtypes")
        require_buffer(op, name, t, ("sbuf",), "§4.2 MX inputs in SBUF")
    for name, t in (("stationary_scale", stationary_scale), ("moving_scale", moving_scale)):
        require_dtype(op, name, require_tile(op, name, t), MX_SCALES, "§4.2 MX scale dtypes")
    K, M, N = stationary.partitions, stationary.free_size, moving.free_size
    require(K == moving.partitions and K % 32 == 0 and K <= 128, op, f"K={K}/{moving.partitions}: equal, multiple "
            "of 32, <= 128", "§4.2 MX contraction")  # fmt: skip
    require(M % 2 == 0 and M <= 128, op, f"M={M} must be even and <= 128", "§4.2 MX M even <= 128")
    require(
        dst.partitions == M and dst.free_size == N,
        op,
        f"dst {list(dst.shape)} is not [{M}, {N}]",
        "§4.2 dst [M, N]",
    )
    _check_dst(core, op, dst, "", False, N)
    if tile_position or tile_size:
        rows, cols = _tile_limits(core, op, tile_position, tile_size)
        require(cols == 128 and tile_position[1] == 0, op, "only row tiling", "§4.2 MX row tiling only")
        require(K <= rows, op, f"K={K} exceeds the row size {rows}", "§4.2 K <= row_size")
    s = _dequantize(op, stationary, stationary_scale, "stationary_scale")
    m = _dequantize(op, moving, moving_scale, "moving_scale")
    result = np.einsum("kiq,kjq->ij", s, m, dtype=np.float32)
    accumulate_into_psum(core, op, dst, result, accumulate)


def _dequantize(op: str, data: TensorView, scale: TensorView, name: str) -> np.ndarray:
    K, X = data.partitions, data.free_size
    values = numerics.unpack_x4(data.array.reshape(K, X), data.dtype).reshape(K, X, 4)
    exponents = _scale_exponents(op, scale, K // 8, X, name)
    factors = np.exp2(np.repeat(exponents, 8, axis=0).astype(np.float32))
    return values * factors[:, :, None]


@instruction
def quantize_mx(core: Core, dst: TensorView, src: TensorView, dst_scale: TensorView) -> None:
    op = "quantize_mx"
    require_target(core, op, 4)
    for name, t in (("dst", dst), ("src", src), ("dst_scale", dst_scale)):
        require_buffer(op, name, require_tile(op, name, t), ("sbuf",), "§4.2 quantize_mx SBUF only")
    require_dtype(op, "src", src, ("float16", "bfloat16"), "§4.2 quantize_mx src fp16/bf16")
    require_dtype(op, "dst", dst, ("float8_e5m2_x4", "float8_e4m3fn_x4"), "§4.2 quantize_mx dst x4 fp8")
    require_dtype(op, "dst_scale", dst_scale, MX_SCALES, "§4.2 MX scale dtypes")
    P, F = src.partitions, src.free_size
    require(P % 32 == 0 and F % 4 == 0, op, f"src [{P}, {F}]: P multiple of 32, F multiple of 4",
            "§4.2 quantize_mx shape")  # fmt: skip
    require(dst.partitions == P and dst.free_size == F // 4, op, f"dst {list(dst.shape)} is not [{P}, {F // 4}]",
            "§4.2 quantize_mx dst [P, F/4]")  # fmt: skip
    values = read_pf(src).reshape(P // 8, 8, F // 4, 4)
    amax = np.abs(values).max(axis=(1, 3))
    emax = 8 if dst.dtype == "float8_e4m3fn_x4" else 15
    exponent = np.where(amax > 0, np.floor(np.log2(amax)) - (emax - 1), -127)
    exponent = np.clip(exponent, -127, 127).astype(np.int32)
    scaled = values / np.exp2(exponent.astype(np.float32))[:, None, :, None]
    dst.array[...] = numerics.pack_x4(scaled.reshape(P, F), dst.dtype).reshape(dst.shape)
    _store_scales(op, dst_scale, (exponent + 127).astype(np.uint8))


def _store_scales(op: str, scale: TensorView, codes: np.ndarray) -> None:
    groups, columns = codes.shape
    rows = (
        np.arange(groups)
        if scale.partitions == groups
        else (np.arange(groups) // 4) * 32 + np.arange(groups) % 4
    )
    require(bool(rows.max(initial=0) < scale.partitions) and scale.free_size >= columns, op,
            f"dst_scale {list(scale.shape)} cannot hold {groups} groups x {columns}", "§4.2 MX scale layout")  # fmt: skip
    raw = scale.array.reshape(scale.partitions, -1).view(np.uint8).copy()
    raw[rows, :columns] = codes
    scale.array[...] = raw.view(scale.array.dtype).reshape(scale.shape)
