"""Operand helpers shared by the instruction semantics: naming, validation, reading and writing tiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nki_sim import numerics
from nki_sim.errors import SimulationError
from nki_sim.machine import PARTITIONS, Core
from nki_sim.views import TensorView

__all__ = [
    "Core", "TensorView", "name_of", "require", "require_target", "require_buffer", "require_same_pf",
    "read", "read_pf", "write", "write_pf", "fp32_in", "fp32_out", "scalar_or_column", "require_dtype", "reduce_cmd_name",
    "copy_values", "copying", "require_column", "scalar_reader",
]  # fmt: skip

Scalar = float | int


def name_of(value: Any) -> str | None:
    """Canonical name of an operator (`nl.add`, "add"), enum member (`reduce_cmd.idle`, "idle") or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.rsplit(".", 1)[-1]
    name = getattr(value, "__name__", None) or getattr(value, "name", None)
    return str(name) if name is not None else str(value)


def reduce_cmd_name(value: Any, default: str) -> str:
    return name_of(value) or default


def require(condition: bool, opcode: str, message: str, rule: str) -> None:
    if not condition:
        raise SimulationError(opcode, message, rule)


def require_target(core: Core, opcode: str, generation: int, what: str = "") -> None:
    names = {3: "trn2", 4: "trn3"}
    require(
        core.generation >= generation,
        opcode,
        f"{what or opcode} needs {names.get(generation, generation)} or newer (target is {core.machine.target})",
        "§6.9 arch gating",
    )


def require_tile(opcode: str, operand: str, value: Any) -> TensorView:
    require(isinstance(value, TensorView), opcode, f"{operand} must be a tensor, got {type(value).__name__}",
            "§4 operand kinds")  # fmt: skip
    return value


def require_buffer(opcode: str, operand: str, t: TensorView, allowed: tuple[str, ...], rule: str) -> None:
    kind = "hbm" if "hbm" in t.buffer else t.buffer
    require(kind in allowed, opcode, f"{operand} is in {kind.upper()}; allowed: {'/'.join(a.upper() for a in allowed)}",
            rule)  # fmt: skip


def require_dtype(opcode: str, operand: str, t: TensorView, allowed: tuple[str, ...], rule: str) -> None:
    require(t.dtype in allowed, opcode, f"{operand} dtype {t.dtype} is not one of {', '.join(allowed)}", rule)


def require_same_pf(opcode: str, **tiles: TensorView) -> None:
    """Same partition count and same number of elements per partition (free shapes may differ)."""
    items = list(tiles.items())  # the message is formatted only on failure (hot path)
    first_name, first = items[0]
    for name, t in items[1:]:
        if t.partitions != first.partitions or t.free_size != first.free_size:
            raise SimulationError(
                opcode,
                f"{name} {list(t.shape)} and {first_name} {list(first.shape)} differ in partitions or elements per partition",
                "§4.0 element-wise operands: same partitions and elements per partition",
            )


def require_not_both_psum(opcode: str, **tiles: TensorView | Any) -> None:
    in_psum = [n for n, t in tiles.items() if isinstance(t, TensorView) and t.buffer == "psum"]
    require(
        len(in_psum) < 2, opcode, f"{' and '.join(in_psum)} are both in PSUM", "§4.0 at most one PSUM input"
    )


def copying(dst: TensorView, src: TensorView) -> Callable[[Core, dict[str, Any]], None]:
    """The work of `copy_values(t["dst"], t["src"])` for views laid out like `dst` and `src` (a prepared
    instruction's): a plain assignment for equal dtypes, one NumPy cast where that rounds exactly like
    `write(dst, read(src))`, else `copy_values` itself."""
    if dst.dtype == src.dtype and dst.array.dtype == src.array.dtype:
        return _assign if dst.shape == src.shape else _assign_reshaped
    if _casts_like_write(dst, src):
        return _cast_reshaped
    return lambda core, t: copy_values(t["dst"], t["src"])


def _casts_like_write(dst: TensorView, src: TensorView) -> bool:
    """Whether NumPy's cast of `src`'s storage to `dst`'s is `write(dst, read(src))`: one of the two stores
    fp32 (so reading is `astype(float32)` or writing is `astype(storage)`), `dst` is a floating type that
    needs no special rounding (not tf32) and `src` is not packed MX."""
    fp32 = np.dtype(np.float32)
    return (
        numerics.is_float(dst.dtype)
        and dst.dtype != "tfloat32"
        and not numerics.is_mx(src.dtype)
        and fp32 in (dst.array.dtype, src.array.dtype)
    )


def _assign(core: Core, t: dict[str, Any]) -> None:
    t["dst"].array[...] = t["src"].array


def _assign_reshaped(core: Core, t: dict[str, Any]) -> None:
    dst = t["dst"]
    dst.array[...] = t["src"].array.reshape(dst.shape)


def _cast_reshaped(core: Core, t: dict[str, Any]) -> None:
    dst = t["dst"]
    np.copyto(dst.array, t["src"].array.reshape(dst.shape), casting="unsafe")


def copy_values(dst: TensorView, src: TensorView) -> None:
    """`dst = src` in flattened element order: bit-exact for equal dtypes, else through fp32."""
    if dst.dtype == src.dtype and dst.array.dtype == src.array.dtype:
        dst.array[...] = src.array.reshape(dst.shape)
    else:
        write(dst, read(src).reshape(dst.shape))


def read(t: TensorView) -> np.ndarray:
    """The tile's values as fp32, in the view's shape."""
    return numerics.to_fp32(t.array, t.dtype)


def read_pf(t: TensorView) -> np.ndarray:
    """The tile's values as fp32 `[P, F]` (free dims flattened)."""
    return read(t).reshape(t.partitions, t.free_size)


def write(t: TensorView, values: np.ndarray | Scalar) -> None:
    """Round `values` to the destination dtype and store them (broadcast to the view's shape)."""
    v = np.broadcast_to(np.asarray(values), t.shape) if np.ndim(values) == 0 else np.asarray(values)
    t.array[...] = numerics.cast(v.reshape(t.shape), t.array.dtype, t.dtype)


def write_pf(t: TensorView, values: np.ndarray) -> None:
    """Store `[P, F]` values into the view (element order = flattened free dims)."""
    write(t, np.asarray(values).reshape(t.shape))


def fp32_out(t: TensorView) -> np.ndarray | None:
    """`t` as a writeable fp32 `[P, F]` view when it stores plain fp32 (results need no rounding), so an
    engine can compute straight into it; None when storing needs a conversion or `[P, F]` is not a view."""
    if t.dtype != "float32" or t.array.dtype != np.float32:
        return None
    out = t.array.reshape(t.partitions, t.free_size)
    return out if out.size == 0 or np.may_share_memory(out, t.array) else None


def fp32_in(t: TensorView) -> np.ndarray | None:
    """`read_pf(t)` without a copy when reading needs no conversion (fp32 storage): the tile's own `[P, F]`
    view (`t.rows()`); None when reading converts or `[P, F]` is not a view."""
    if not isinstance(t, TensorView) or t.array.dtype != np.float32:
        return None
    return t.rows()


def require_column(opcode: str, operand: str, value: TensorView, partitions: int) -> None:
    require(
        value.partitions == partitions and value.free_size == 1,
        opcode,
        f"{operand} must be a scalar or a [{partitions}, 1] tile, got {list(value.shape)}",
        "§4.3 scalar operands are scalars or [P, 1] tiles",
    )


def scalar_reader(opcode: str, operand: str, value: Any, partitions: int) -> Callable[[dict[str, Any]], Any]:
    """`scalar_or_column` in two steps for a prepared instruction: the checks now; then `reader(tensors)`
    gives a `[P, 1]` tile's values as a new fp32 array (so writing `dst` first cannot change them), or the
    constant as an fp32 number (broadcasting like the `[1, 1]` array it stands for)."""
    if isinstance(value, TensorView):
        require_column(opcode, operand, value, partitions)
        return lambda t: np.array(read_pf(t[operand]), dtype=np.float32)
    constant = scalar_or_column(opcode, operand, value, partitions)[0, 0]
    return lambda t: constant


def scalar_or_column(opcode: str, operand: str, value: Any, partitions: int) -> np.ndarray:
    """A compile-time scalar or a `[P, 1]` tile, as fp32 broadcastable to `[P, F]`."""
    if isinstance(value, TensorView):
        require_column(opcode, operand, value, partitions)
        return read_pf(value)
    require(isinstance(value, (int, float, np.number)), opcode,
            f"{operand} must be a number or a tile, got {type(value).__name__}", "§4 operand kinds")  # fmt: skip
    return np.float32(value).reshape(1, 1)


def check_partitions(opcode: str, operands: dict[str, Any]) -> None:
    """§6.1: no on-chip operand spans more than 128 partitions."""
    for name, value in operands.items():
        if isinstance(value, TensorView) and value.on_chip and value.partitions > PARTITIONS:
            raise SimulationError(
                opcode,
                f"{opcode} {name} partition dimension {value.partitions} exceeds maximum {PARTITIONS}",
                "§6.1 partition dimension <= 128",
            )


def bits(t: TensorView) -> np.ndarray:
    """Raw bit patterns of an integer tile as int64 `[P, F]` (unsigned, the tile's own width)."""
    width = t.array.itemsize * 8
    return t.array.reshape(t.partitions, -1).astype(np.int64) & ((1 << width) - 1)


def write_bits(t: TensorView, values: np.ndarray) -> None:
    """Store bit patterns (truncated to the destination width, no saturation)."""
    width = t.array.itemsize * 8
    t.array[...] = (
        (np.asarray(values, dtype=np.int64) & ((1 << width) - 1)).astype(t.array.dtype).reshape(t.shape)
    )


def update_accumulator(
    acc: np.ndarray,
    partitions: int,
    cmd: str,
    op: str,
    values: np.ndarray | None,
    init: np.ndarray | None = None,
) -> np.ndarray:
    """Apply `reduce_cmd` to the per-lane accumulators `acc[:P]` with the per-lane partial results `values`
    (`[P]`, already reduced over the free dims); return the new `acc[:P]` (nki-api.md §4.0.4)."""
    from nki_sim.semantics.alu import ALU_OPS, REDUCE_UFUNCS

    lanes = acc[:partitions]
    identity = ALU_OPS[op].identity if op in ALU_OPS else 0.0
    combine = REDUCE_UFUNCS.get(op, np.add)
    if cmd in ("reset", "reset_reduce"):
        lanes[...] = identity
    elif cmd == "load_reduce":
        lanes[...] = 0.0 if init is None else np.asarray(init, np.float32).reshape(-1)
    if cmd in ("reduce", "reset_reduce", "load_reduce") and values is not None:
        lanes[...] = combine(lanes, values.astype(np.float32))
    return lanes.copy()
