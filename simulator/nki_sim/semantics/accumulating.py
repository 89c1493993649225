"""Vector-engine instructions that feed the per-lane accumulators (nki-api.md §4.0.4, §4.3):
tensor_scalar_reduce, tensor_scalar_cumulative, exponential, range_select, select_reduce."""

from __future__ import annotations

from typing import Any

import numpy as np

from nki_sim.semantics.alu import REDUCE_UFUNCS
from nki_sim.semantics.common import (
    Core,
    TensorView,
    name_of,
    read_pf,
    require,
    require_dtype,
    require_not_both_psum,
    require_same_pf,
    require_target,
    require_tile,
    scalar_or_column,
    update_accumulator,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.elementwise import apply, resolve_op
from nki_sim.semantics.registry import instruction

FP32_MIN = np.float32(-3.4028235e38)


def _reduce_res(opcode: str, reduce_res: Any, partitions: int) -> TensorView | None:
    if reduce_res is None:
        return None
    res = require_tile(opcode, "reduce_res", reduce_res)
    require(res.partitions == partitions and res.free_size == 1, opcode, f"reduce_res {list(res.shape)} is not "
            f"[{partitions}, 1]", "§4.3 reduce_res [P, 1]")  # fmt: skip
    return res


def _lane_reduce(op: str, values: np.ndarray) -> np.ndarray:
    return REDUCE_UFUNCS[op].reduce(values.astype(np.float32), axis=1).astype(np.float32)


@instruction
def tensor_scalar_reduce(
    core: Core, dst: TensorView, data: TensorView, op0: Any, operand0: Any, reduce_op: Any, reduce_res: Any = None,
    reverse0: bool = False, reduce_cmd: Any = None, reduce_init: Any = None, reduce_res_negate: bool = False,
) -> None:  # fmt: skip
    opcode = "tensor_scalar_reduce"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    first = resolve_op(core, opcode, "op0", op0, ("arith", "unary"))
    reducer = resolve_op(core, opcode, "reduce_op", reduce_op, ("arith",))
    require(reducer.name in ("add", "multiply", "maximum", "minimum"), opcode, f"reduce_op={reducer.name}",
            "§4.3 reduce_op in add/multiply/maximum/minimum")  # fmt: skip
    require(
        not reverse0, opcode, "reverse0 is not supported", "§4.3 tensor_scalar_reduce reverse0 unsupported"
    )
    cmd = name_of(reduce_cmd) or "reset_reduce"
    require((reduce_init is not None) == (cmd == "load_reduce"), opcode, "reduce_init is given iff "
            "reduce_cmd=load_reduce", "§4.3 reduce_init iff load_reduce")  # fmt: skip
    if first.name in ("square", "relu"):
        require_target(core, opcode, 4, f"op0={first.name}")
    P = dst.partitions
    result = apply(
        first, read_pf(data), None if first.is_unary else scalar_or_column(opcode, "operand0", operand0, P)
    )
    write_pf(dst, result)
    init = scalar_or_column(opcode, "reduce_init", reduce_init, P) if reduce_init is not None else None
    lanes = update_accumulator(core.vector_acc, P, cmd, reducer.name, _lane_reduce(reducer.name, result),
                               None if init is None else np.broadcast_to(init, (P, 1)))  # fmt: skip
    res = _reduce_res(opcode, reduce_res, P)
    if res is not None:
        write_pf(res, (-lanes if reduce_res_negate else lanes)[:, None])


@instruction
def tensor_scalar_cumulative(
    core: Core, dst: TensorView, src: TensorView, op0: Any, op1: Any, imm0: Any, imm1: Any = None,
    reduce_cmd: Any = None,
) -> None:  # fmt: skip
    opcode = "tensor_scalar_cumulative"
    dst, src = require_tile(opcode, "dst", dst), require_tile(opcode, "src", src)
    require_same_pf(opcode, dst=dst, src=src)
    for name, t in (("dst", dst), ("src", src)):
        require(t.dtype not in ("int32", "uint32"), opcode, f"{name} dtype {t.dtype} not allowed",
                "§4.3 no int32/uint32")  # fmt: skip
    first = resolve_op(core, opcode, "op0", op0, ("arith", "unary"))
    scan = resolve_op(core, opcode, "op1", op1, ("arith",))
    require(scan.name in ("add", "subtract", "multiply", "maximum", "minimum"), opcode, f"op1={scan.name}",
            "§4.3 op1 in add/subtract/multiply/maximum/minimum")  # fmt: skip
    P = dst.partitions
    cmd = name_of(reduce_cmd) or "reset_reduce"
    values = apply(first, read_pf(src), None if first.is_unary else scalar_or_column(opcode, "imm0", imm0, P))
    if cmd == "load_reduce":
        start = np.broadcast_to(scalar_or_column(opcode, "imm1", imm1, P), (P, 1))[:, 0]
    elif cmd == "reduce":
        start = core.vector_acc[:P].copy()
    else:
        start = np.full(P, scan.identity, np.float32)
    out = np.empty_like(values)
    reg = start.astype(np.float32)
    if scan.name == "subtract":
        for i in range(values.shape[1]):  # reg = v - reg: inherently sequential
            reg = values[:, i] - reg
            out[:, i] = reg
    else:
        ufunc = REDUCE_UFUNCS[scan.name]
        out = ufunc.accumulate(np.concatenate([reg[:, None], values], axis=1), axis=1)[:, 1:].astype(
            np.float32
        )
    core.vector_acc[:P] = out[:, -1] if out.shape[1] else reg
    write_pf(dst, out)


@instruction
def exponential(
    core: Core, dst: TensorView, src: TensorView, max_value: Any = 0.0, reduce_res: Any = None, reduce_cmd: Any = None,
    reduce_init: float = 0.0,
) -> None:  # fmt: skip
    opcode = "exponential"
    require_target(core, opcode, 4)
    dst, src = require_tile(opcode, "dst", dst), require_tile(opcode, "src", src)
    require_same_pf(opcode, dst=dst, src=src)
    require(src.array.ndim <= 4, opcode, "src has more than 4 dims", "§4.3 exponential up to 4-D")
    cmd = name_of(reduce_cmd) or "idle"
    require(cmd == "load_reduce" or float(reduce_init) == 0.0, opcode, "reduce_init needs reduce_cmd=load_reduce",
            "§4.3 reduce_init only with load_reduce")  # fmt: skip
    P = dst.partitions
    values = np.exp(read_pf(src) - scalar_or_column(opcode, "max_value", max_value, P)).astype(np.float32)
    write_pf(dst, values)
    lanes = update_accumulator(core.vector_acc, P, cmd, "add", _lane_reduce("add", values),
                               np.full(P, np.float32(reduce_init)))  # fmt: skip
    res = _reduce_res(opcode, reduce_res, P)
    if res is not None:
        require_dtype(opcode, "reduce_res", res, ("float32", "bfloat16", "float16"), "§4.3 reduce_res float")
        write_pf(res, lanes[:, None])


COMPARES = ("equal", "less", "less_equal", "greater", "greater_equal")


@instruction
def range_select(
    core: Core, dst: TensorView, on_true_tile: TensorView, comp_op0: Any, comp_op1: Any, bound0: TensorView,
    bound1: TensorView, reduce_cmd: Any = None, reduce_res: Any = None, reduce_op: Any = "maximum",
    range_start: int = 0, on_false_value: float = float(FP32_MIN),
) -> None:  # fmt: skip
    opcode = "range_select"
    require_target(core, opcode, 3)
    dst, on_true = require_tile(opcode, "dst", dst), require_tile(opcode, "on_true_tile", on_true_tile)
    require_same_pf(opcode, dst=dst, on_true_tile=on_true)
    ops = [
        resolve_op(core, opcode, f, o, ("arith",))
        for f, o in (("comp_op0", comp_op0), ("comp_op1", comp_op1))
    ]
    require(all(o.name in COMPARES for o in ops), opcode, "comparison ops must be equal/less/less_equal/greater/"
            "greater_equal", "§4.3 range_select comparisons")  # fmt: skip
    require(np.float32(on_false_value) == FP32_MIN, opcode, "on_false_value must be FP32_MIN -3.4028235e+38",
            "§4.3 on_false_value FP32_MIN")  # fmt: skip
    require(
        name_of(reduce_op) in ("maximum", "max"), opcode, "reduce_op must be maximum", "§4.3 reduce max only"
    )
    P = dst.partitions
    index = np.float32(range_start) + np.arange(dst.free_size, dtype=np.float32)[None, :]
    low = np.broadcast_to(scalar_or_column(opcode, "bound0", bound0, P), (P, 1))
    high = np.broadcast_to(scalar_or_column(opcode, "bound1", bound1, P), (P, 1))
    mask = (ops[0].fn(index, low) != 0) & (ops[1].fn(index, high) != 0)
    values = np.where(mask, read_pf(on_true), FP32_MIN).astype(np.float32)
    write_pf(dst, values)
    lanes = update_accumulator(core.vector_acc, P, name_of(reduce_cmd) or "reset_reduce", "maximum",
                               _lane_reduce("maximum", values))  # fmt: skip
    res = _reduce_res(opcode, reduce_res, P)
    if res is not None:
        write_pf(res, lanes[:, None])


@instruction
def select_reduce(
    core: Core, dst: TensorView, predicate: TensorView, on_true: TensorView, on_false: Any, reduce_res: Any = None,
    reduce_cmd: Any = None, reduce_op: Any = "maximum", reverse_pred: bool = False,
) -> None:  # fmt: skip
    opcode = "select_reduce"
    tiles = {
        n: require_tile(opcode, n, t)
        for n, t in (("dst", dst), ("predicate", predicate), ("on_true", on_true))
    }
    require_same_pf(opcode, **tiles)
    require_dtype(
        opcode, "predicate", predicate, ("int8", "uint8", "int16", "uint16"), "§4.3 predicate dtype"
    )
    require(on_true.dtype not in ("tfloat32", "int32", "uint32"), opcode, f"on_true dtype {on_true.dtype}",
            "§4.3 on_true not tf32/int32/uint32")  # fmt: skip
    require_not_both_psum(opcode, on_true=on_true, predicate=predicate)
    require(
        name_of(reduce_op) in ("maximum", "max"), opcode, "reduce_op must be maximum", "§4.3 reduce max only"
    )
    cmd = name_of(reduce_cmd) or "idle"
    require(
        cmd in ("idle", "reset_reduce", "reduce"),
        opcode,
        f"reduce_cmd={cmd}",
        "§4.3 select_reduce reduce_cmd",
    )
    P = dst.partitions
    mask = (predicate.array.reshape(P, -1) != 0) ^ bool(reverse_pred)
    values = np.where(mask, read_pf(on_true), scalar_or_column(opcode, "on_false", on_false, P)).astype(
        np.float32
    )
    write_pf(dst, values)
    lanes = update_accumulator(core.vector_acc, P, cmd, "maximum", _lane_reduce("maximum", values))
    res = _reduce_res(opcode, reduce_res, P)
    if res is not None:
        write_pf(res, lanes[:, None])
