"""Vector/GpSimd element-wise instructions (nki-api.md §4.3): tensor_tensor, tensor_scalar and friends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nki_sim import numerics
from nki_sim.errors import SimulationError
from nki_sim.semantics.alu import AluOp, alu_op
from nki_sim.semantics.common import (
    Core,
    TensorView,
    bits,
    fp32_in,
    fp32_out,
    name_of,
    read_pf,
    require,
    require_buffer,
    require_not_both_psum,
    require_same_pf,
    require_target,
    require_tile,
    scalar_or_column,
    scalar_reader,
    write_bits,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.registry import Work, instruction, prepared

EXACT_INT = ("int32", "uint32")
EXACT_OPS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum,
             "minimum": np.minimum}  # fmt: skip


def resolve_op(core: Core, opcode: str, field: str, op: Any, kinds: tuple[str, ...]) -> AluOp:
    found = alu_op(name_of(op))
    if found is None:
        raise SimulationError(opcode, f"{field}={name_of(op)} is not an ALU operator", "§4.0.2 ALU operators")
    if found.kind not in kinds:
        raise SimulationError(opcode, f"{field}={found.name} is {found.kind}; expected {' or '.join(kinds)}",
                              "§4.0.2 operator class")  # fmt: skip
    if found.min_generation > core.generation:
        require_target(core, opcode, found.min_generation, f"{field}={found.name}")
    return found


def _require_int(opcode: str, op: AluOp, **tiles: TensorView) -> None:
    for name, t in tiles.items():
        require(numerics.is_integer(t.dtype), opcode, f"bitvec {op.name} needs integer dtypes; {name} is {t.dtype}",
                "§4.0.2 bitvec ops need integer dtypes")  # fmt: skip


def apply(op: AluOp, a: np.ndarray, b: Any, reverse: bool = False) -> np.ndarray:
    if op.is_unary:
        return op.fn(a)
    return op.fn(b, a) if reverse else op.fn(a, b)


def store(dst: TensorView, op: AluOp, a: np.ndarray, b: Any, reverse: bool = False) -> None:
    """`dst = op(a, b)` for fp32 `[P, F]` operands: computed straight into a plain-fp32 destination when the
    operator is one ufunc (the same values, no temporary), else computed and then rounded on write."""
    out = fp32_out(dst) if op.ufunc is not None else None
    if out is None:
        write_pf(dst, apply(op, a, b, reverse))
        return
    op.ufunc(*((b, a) if reverse else (a, b)), out=out)  # type: ignore[misc]


def storing(dst: TensorView, op: AluOp, data1: TensorView, data2: TensorView) -> Work:
    """The work of `store(dst, op, read_pf(data1), read_pf(data2))`: one ufunc call over the tiles' own
    `[P, F]` views when nothing needs converting (plain fp32; prepared work runs with fp errors ignored)."""
    ufunc = op.ufunc
    if ufunc is None or fp32_out(dst) is None or fp32_in(data1) is None or fp32_in(data2) is None:
        return lambda core, t: store(t["dst"], op, read_pf(t["data1"]), read_pf(t["data2"]))
    return lambda core, t: ufunc(t["data1"].rows(), t["data2"].rows(), out=t["dst"].rows())


@prepared
def tensor_tensor(
    core: Core, dst: TensorView, data1: TensorView, data2: TensorView, op: Any, engine: Any = None
) -> Work:
    opcode = "tensor_tensor"
    tiles = {n: require_tile(opcode, n, t) for n, t in (("dst", dst), ("data1", data1), ("data2", data2))}
    alu = resolve_op(core, opcode, "op", op, ("arith", "bitvec"))
    require_same_pf(opcode, **tiles)
    require_not_both_psum(opcode, data1=data1, data2=data2)
    eng = name_of(engine) or "unknown"
    if alu.name == "power" or eng == "gpsimd":
        for name, t in tiles.items():
            require_buffer(opcode, name, t, ("sbuf",), "§4.3 GpSimd (power) cannot access PSUM")
    if alu.is_bitvec:
        _require_int(opcode, alu, **tiles)
        return lambda core, t: write_bits(t["dst"], alu.fn(bits(t["data1"]), bits(t["data2"])))
    if _exact_integer(alu, eng, tiles):
        return lambda core, t: _exact_integer_op(t["dst"], alu, t["data1"], t["data2"])
    return storing(dst, alu, data1, data2)


def _exact_integer_op(dst: TensorView, alu: AluOp, data1: TensorView, data2: TensorView) -> None:
    a, b = data1.array.reshape(dst.partitions, -1), data2.array.reshape(dst.partitions, -1)
    write_pf(dst, EXACT_OPS[alu.name](a.astype(np.int64), b.astype(np.int64)))


def _exact_integer(alu: AluOp, engine: str, tiles: dict[str, TensorView]) -> bool:
    """All-int32/uint32 arithmetic runs on GpSimd with exact integer math unless forced to Vector or in PSUM."""
    return (
        alu.name in EXACT_OPS
        and engine != "vector"
        and all(t.dtype in EXACT_INT and t.buffer != "psum" for t in tiles.values())
    )


def _int_operand(opcode: str, name: str, value: Any) -> Callable[[dict[str, Any]], np.ndarray]:
    """How `work` reads a bitvec operand: a tile's bits, or the integer constant."""
    if isinstance(value, TensorView):
        return lambda t: bits(t[name])
    require(
        isinstance(value, (int, np.integer)),
        opcode,
        f"bitvec {name} must be an integer",
        "§4.3 bitvec operands",
    )
    constant = np.int64(value)
    return lambda t: constant


@prepared
def tensor_scalar(
    core: Core, dst: TensorView, data: TensorView, op0: Any, operand0: Any, reverse0: bool = False, op1: Any = None,
    operand1: Any = None, reverse1: bool = False, engine: Any = None,
) -> Work:  # fmt: skip
    opcode = "tensor_scalar"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    first = resolve_op(core, opcode, "op0", op0, ("arith", "unary", "bitvec", "bitvec_unary"))
    require((op1 is None) == (operand1 is None), opcode, "op1 and operand1 must both be given or both be None",
            "§4.3 op1 iff operand1")  # fmt: skip
    second = resolve_op(core, opcode, "op1", op1, ("arith", "bitvec")) if op1 is not None else None
    _check_unary(core, opcode, first, operand0)
    if second is not None:
        require(second.is_bitvec == first.is_bitvec, opcode, f"op0={first.name} and op1={second.name} differ in class",
                "§4.3 op0/op1 same class")  # fmt: skip
    eng = name_of(engine) or "unknown"
    if eng == "gpsimd":
        require(
            first.name == "rsqrt",
            opcode,
            "GpSimd runs tensor_scalar only for rsqrt",
            "§4.3 GpSimd rsqrt only",
        )
    P = dst.partitions
    if first.is_bitvec:
        _require_int(opcode, first, dst=dst, data=data)
        bitvec0 = None if first.is_unary else _int_operand(opcode, "operand0", operand0)
        bitvec1 = None if second is None else _int_operand(opcode, "operand1", operand1)
        return lambda core, t: _bitvec_scalar(t, first, bitvec0, reverse0, second, bitvec1, reverse1)
    scalar0 = None if first.is_unary else scalar_reader(opcode, "operand0", operand0, P)
    scalar1 = None if second is None else scalar_reader(opcode, "operand1", operand1, P)
    if _chains_in_place(dst, data, first, second):
        return lambda core, t: _scalar_chain(t, first.ufunc, scalar0, reverse0, second, scalar1, reverse1)
    return lambda core, t: _scalar_ops(t, first, scalar0, reverse0, second, scalar1, reverse1)


Reader = Callable[[dict[str, Any]], Any]


def _bitvec_scalar(t: dict[str, Any], first: AluOp, operand0: Reader | None, reverse0: bool, second: AluOp | None,
                   operand1: Reader | None, reverse1: bool) -> None:  # fmt: skip
    tmp = apply(first, bits(t["data"]), None if operand0 is None else operand0(t), reverse0)
    if second is not None and operand1 is not None:
        tmp = apply(second, tmp, operand1(t), reverse1)
    write_bits(t["dst"], tmp)


def _scalar_ops(t: dict[str, Any], first: AluOp, operand0: Reader | None, reverse0: bool, second: AluOp | None,
                operand1: Reader | None, reverse1: bool) -> None:  # fmt: skip
    x, dst = read_pf(t["data"]), t["dst"]
    scalar0 = None if operand0 is None else operand0(t)
    if second is None or operand1 is None:
        store(dst, first, x, scalar0, reverse0)
        return
    tmp = apply(first, x, scalar0, reverse0)
    store(dst, second, tmp, operand1(t), reverse1)


def _chains_in_place(dst: TensorView, data: TensorView, first: AluOp, second: AluOp | None) -> bool:
    """Whether `_scalar_chain` computes the tile: plain fp32 `dst` with a `[P, F]` view, a floating `data`
    with one (read through NumPy's exact cast to fp32), binary operators that are one ufunc each."""
    return (
        first.ufunc is not None
        and not first.is_unary
        and (second is None or second.ufunc is not None)
        and fp32_out(dst) is not None
        and numerics.is_float(data.dtype)
        and data.rows() is not None
    )


def _scalar_chain(t: dict[str, Any], ufunc0: Any, operand0: Reader | None, reverse0: bool, second: AluOp | None,
                  operand1: Reader | None, reverse1: bool) -> None:  # fmt: skip
    """`dst = op1(op0(data, operand0), operand1)` straight into fp32 `dst`; the intermediate is fp32 either way."""
    out, x = t["dst"].rows(), t["data"].rows()
    scalar0 = operand0(t) if operand0 is not None else None
    scalar1 = operand1(t) if operand1 is not None else None  # read before `out` is written
    ufunc0(*((scalar0, x) if reverse0 else (x, scalar0)), out=out, dtype=np.float32, casting="unsafe")
    if second is not None:
        ufunc1 = second.ufunc
        ufunc1(*((scalar1, out) if reverse1 else (out, scalar1)), out=out)  # type: ignore[misc]


def _check_unary(core: Core, opcode: str, op: AluOp, operand: Any) -> None:
    if not op.is_unary:
        require(
            operand is not None, opcode, f"op0={op.name} needs operand0", "§4.3 binary op0 needs operand0"
        )
        return
    require(operand is None or (not isinstance(operand, TensorView) and float(operand) == 0.0), opcode,
            f"unary op0={op.name} needs operand0 None or 0", "§4.3 unary op0 operand None/0")  # fmt: skip
    if op.name in ("square", "relu"):
        require_target(core, opcode, 4, f"op0={op.name}")


@instruction
def scalar_tensor_tensor(
    core: Core, dst: TensorView, data: TensorView, op0: Any, operand0: Any, op1: Any, operand1: TensorView,
    reverse0: bool = False, reverse1: bool = False,
) -> None:  # fmt: skip
    opcode = "scalar_tensor_tensor"
    tiles = {n: require_tile(opcode, n, t) for n, t in (("dst", dst), ("data", data), ("operand1", operand1))}
    first = resolve_op(core, opcode, "op0", op0, ("arith",))
    second = resolve_op(core, opcode, "op1", op1, ("arith",))
    require_same_pf(opcode, **tiles)
    require_not_both_psum(opcode, data=data, operand1=operand1)
    tmp = apply(
        first, read_pf(data), scalar_or_column(opcode, "operand0", operand0, dst.partitions), reverse0
    )
    write_pf(dst, apply(second, tmp, read_pf(operand1), reverse1))


@instruction
def reciprocal(core: Core, dst: TensorView, data: TensorView) -> None:
    opcode = "reciprocal"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    write_pf(dst, np.float32(1.0) / read_pf(data))


@instruction
def tensor_tensor_scan(
    core: Core, dst: TensorView, data0: TensorView, data1: TensorView, initial: Any, op0: Any, op1: Any,
    reverse0: bool = False, reverse1: bool = False,
) -> None:  # fmt: skip
    opcode = "tensor_tensor_scan"
    tiles = {n: require_tile(opcode, n, t) for n, t in (("dst", dst), ("data0", data0), ("data1", data1))}
    first = resolve_op(core, opcode, "op0", op0, ("arith",))
    second = resolve_op(core, opcode, "op1", op1, ("arith",))
    require_same_pf(opcode, **tiles)
    require_not_both_psum(opcode, data0=data0, data1=data1)
    a, b = read_pf(data0), read_pf(data1)
    previous = np.broadcast_to(
        scalar_or_column(opcode, "initial", initial, dst.partitions), (dst.partitions, 1)
    )
    previous = previous[:, 0].astype(np.float32)
    out = np.empty_like(a)
    for i in range(a.shape[1]):  # inherently sequential
        step = first.fn(previous, a[:, i]) if reverse0 else first.fn(a[:, i], previous)
        previous = second.fn(b[:, i], step) if reverse1 else second.fn(step, b[:, i])
        out[:, i] = previous
    write_pf(dst, out)


@instruction
def affine_select(
    core: Core, dst: TensorView, pattern: Any, channel_multiplier: int, on_true_tile: TensorView,
    on_false_value: float, cmp_op: Any = "equal", offset: int = 0,
) -> None:  # fmt: skip
    from nki_sim.semantics.movement import affine_values

    opcode = "affine_select"
    dst, on_true = require_tile(opcode, "dst", dst), require_tile(opcode, "on_true_tile", on_true_tile)
    for name, t in (("dst", dst), ("on_true_tile", on_true)):
        require_buffer(opcode, name, t, ("sbuf",), "§4.3 affine_select SBUF only (GpSimd)")
    require_same_pf(opcode, dst=dst, on_true_tile=on_true)
    compare = resolve_op(core, opcode, "cmp_op", cmp_op, ("arith",))
    a = affine_values(opcode, pattern, offset, channel_multiplier, dst.partitions, dst.free_size)
    mask = compare.fn(a.astype(np.float32), np.float32(0)) != 0
    write_pf(dst, np.where(mask, read_pf(on_true), np.float32(on_false_value)))
