"""Scalar-engine instructions (nki-api.md §4.4): activation, activation_reduce, activate2."""

from __future__ import annotations

from typing import Any

import numpy as np

from nki_sim.semantics.alu import REDUCE_UFUNCS, activation_fn
from nki_sim.semantics.common import (
    Core,
    TensorView,
    name_of,
    read_pf,
    require,
    require_same_pf,
    require_target,
    require_tile,
    scalar_or_column,
    update_accumulator,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.elementwise import apply, resolve_op
from nki_sim.semantics.registry import instruction


def _function(opcode: str, op: Any) -> Any:
    fn = activation_fn(name_of(op))
    require(
        fn is not None,
        opcode,
        f"op={name_of(op)} is not an activation function",
        "§4.0.3 activation functions",
    )
    return fn


def _bias(core: Core, opcode: str, bias: Any, partitions: int) -> np.ndarray:
    if bias is None:
        return np.float32(0).reshape(1, 1)
    if not isinstance(bias, TensorView):
        require_target(core, opcode, 3, "a scalar bias")
    else:
        require(bias.dtype != "tfloat32", opcode, "bias cannot be tfloat32", "§4.4 bias dtype")
    return scalar_or_column(opcode, "bias", bias, partitions)


def _finish_reduce(core: Core, opcode: str, values: np.ndarray, op: str, cmd: str, reduce_res: Any) -> None:
    P = values.shape[0]
    with np.errstate(all="ignore"):
        partial = REDUCE_UFUNCS[op].reduce(values, axis=1).astype(np.float32) if op in REDUCE_UFUNCS else None
    lanes = update_accumulator(core.scalar_acc, P, cmd, op, partial)
    if reduce_res is not None:
        res = require_tile(opcode, "reduce_res", reduce_res)
        require(res.partitions == P and res.free_size == 1, opcode, f"reduce_res {list(res.shape)} is not [{P}, 1]",
                "§4.4 reduce_res [P, 1]")  # fmt: skip
        write_pf(res, lanes[:, None])


@instruction
def activation(
    core: Core, dst: TensorView, op: Any, data: TensorView, bias: Any = None, scale: Any = 1.0, reduce_op: Any = None,
    reduce_res: Any = None, reduce_cmd: Any = None,
) -> None:  # fmt: skip
    opcode = "activation"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    fn = _function(opcode, op)
    P = dst.partitions
    with np.errstate(all="ignore"):
        x = read_pf(data) * scalar_or_column(opcode, "scale", scale, P) + _bias(core, opcode, bias, P)
    values = fn(x)
    cmd = name_of(reduce_cmd) or "idle"
    reducer = name_of(reduce_op)
    if reducer is not None or reduce_res is not None or cmd != "idle":
        require(
            reducer in (None, "add"),
            opcode,
            f"reduce_op={reducer} (must be add)",
            "§4.4 activation reduce add",
        )
    write_pf(dst, values)  # before the read-out: reduce_res may alias dst (0.6 fix)
    _finish_reduce(core, opcode, values, "add", cmd, reduce_res)


@instruction
def activation_reduce(
    core: Core, dst: TensorView, op: Any, data: TensorView, reduce_op: Any, reduce_res: Any, bias: Any = None,
    scale: Any = 1.0,
) -> None:  # fmt: skip
    opcode = "activation_reduce"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    reducer = resolve_op(core, opcode, "reduce_op", reduce_op, ("arith",))
    require(
        reducer.reducible, opcode, f"reduce_op={reducer.name} cannot reduce", "§4.0.2 legal reduction ops"
    )
    if core.generation == 2:
        require(reducer.name == "add", opcode, "reduce_op must be add on trn1", "§4.4 v2 reduce add only")
    P = dst.partitions
    with np.errstate(all="ignore"):
        x = read_pf(data) * scalar_or_column(opcode, "scale", scale, P) + _bias(core, opcode, bias, P)
    values = _function(opcode, op)(x)
    write_pf(dst, values)
    _finish_reduce(core, opcode, values, reducer.name, "reset_reduce", reduce_res)


ACTIVATE2_PAIRS = {
    ("multiply", "add"), ("multiply", "subtract"), ("multiply", "bypass"), ("add", "bypass"), ("subtract", "bypass"),
    ("bypass", "bypass"),
}  # fmt: skip


@instruction
def activate2(
    core: Core, dst: TensorView, op: Any, data: TensorView, imm0: Any, imm1: Any, op0: Any, op1: Any,
    relu_param: Any = 0.0, reverse0: bool = False, reverse1: bool = False, reduce_op: Any = None,
    reduce_res: Any = None, reduce_cmd: Any = None,
) -> None:  # fmt: skip
    opcode = "activate2"
    require_target(core, opcode, 4)
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    names = (name_of(op0) or "bypass", name_of(op1) or "bypass")
    require(
        names in ACTIVATE2_PAIRS,
        opcode,
        f"(op0, op1) = {names} is not an allowed pair",
        "§4.4 activate2 pairs",
    )
    require(not reverse0 or names[0] != "bypass", opcode, "reverse0 needs op0", "§4.4 reverse flags need ops")
    require(not reverse1 or names[1] != "bypass", opcode, "reverse1 needs op1", "§4.4 reverse flags need ops")
    P = dst.partitions
    v = read_pf(data)
    for name, imm, field, reverse in ((names[0], imm0, "imm0", reverse0), (names[1], imm1, "imm1", reverse1)):
        if name != "bypass":
            v = apply(resolve_op(core, opcode, field, name, ("arith",)), v,
                      scalar_or_column(opcode, field, imm, P), reverse)  # fmt: skip
    fn = _function(opcode, op)
    values = fn(v, scalar_or_column(opcode, "relu_param", relu_param, P)) if name_of(op) == "prelu" else fn(v)
    write_pf(dst, values)
    reducer = {"max": "maximum", "min": "minimum"}.get(
        name_of(reduce_op) or "add", name_of(reduce_op) or "add"
    )
    require(reducer in ("add", "maximum", "minimum", "abs_max", "abs_min"), opcode, f"reduce_op={reducer}",
            "§4.4 activate2 reduce ops")  # fmt: skip
    cmd = name_of(reduce_cmd) or "idle"
    if reducer in ("abs_max", "abs_min"):
        values = np.abs(values)
        reducer = "maximum" if reducer == "abs_max" else "minimum"
    _finish_reduce(core, opcode, values, reducer, cmd, reduce_res)
