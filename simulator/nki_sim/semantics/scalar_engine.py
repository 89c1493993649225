"""Scalar-engine instructions (nki-api.md §4.4): activation, activation_reduce, activate2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nki_sim import numerics
from nki_sim.semantics.alu import REDUCE_UFUNCS, activation_fn
from nki_sim.semantics.common import (
    Core,
    TensorView,
    fp32_out,
    name_of,
    read_pf,
    require,
    require_same_pf,
    require_target,
    require_tile,
    scalar_or_column,
    scalar_reader,
    update_accumulator,
    write_pf,
)  # fmt: skip
from nki_sim.semantics.elementwise import apply, resolve_op
from nki_sim.semantics.registry import Work, instruction, prepared

Reader = Callable[[dict[str, Any]], Any]


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
    _check_bias(core, opcode, bias)
    if bias is None:
        return np.float32(0).reshape(1, 1)
    return scalar_or_column(opcode, "bias", bias, partitions)


def _check_bias(core: Core, opcode: str, bias: Any) -> None:
    if bias is None:
        return
    if not isinstance(bias, TensorView):
        require_target(core, opcode, 3, "a scalar bias")
    else:
        require(bias.dtype != "tfloat32", opcode, "bias cannot be tfloat32", "§4.4 bias dtype")


def _reduce_res(opcode: str, reduce_res: Any, partitions: int) -> None:
    res = require_tile(opcode, "reduce_res", reduce_res)
    require(res.partitions == partitions and res.free_size == 1, opcode,
            f"reduce_res {list(res.shape)} is not [{partitions}, 1]", "§4.4 reduce_res [P, 1]")  # fmt: skip


def _finish_reduce(core: Core, opcode: str, values: np.ndarray, op: str, cmd: str, reduce_res: Any) -> None:
    if reduce_res is not None:
        _reduce_res(opcode, reduce_res, values.shape[0])
    _reduce_into(core, values, op, cmd, reduce_res)


def _reduce_into(core: Core, values: np.ndarray, op: str, cmd: str, reduce_res: TensorView | None) -> None:
    """Apply `reduce_cmd` to the Scalar engine's accumulators with the row reductions of `values [P, F]`
    and copy them to `reduce_res` (checked) if given."""
    partial = REDUCE_UFUNCS[op].reduce(values, axis=1).astype(np.float32) if op in REDUCE_UFUNCS else None
    lanes = update_accumulator(core.scalar_acc, values.shape[0], cmd, op, partial)
    if reduce_res is not None:
        write_pf(reduce_res, lanes[:, None])


#: Activation functions that are one NumPy ufunc with the precision `ACTIVATIONS` computes them in (fp32 for
#: the correctly rounded ones, float64 rounded to fp32 for the others); None: the identity.
IN_PLACE: dict[str, tuple[Any, type] | None] = {
    "copy": None, "identity": None, "bypass": None,
    "square": (np.square, np.float32), "abs": (np.absolute, np.float32), "negative": (np.negative, np.float32),
    "sqrt": (np.sqrt, np.float32), "exp": (np.exp, np.float64), "tanh": (np.tanh, np.float64),
    "log": (np.log, np.float64), "cos": (np.cos, np.float64), "arctan": (np.arctan, np.float64),
}  # fmt: skip


@prepared
def activation(
    core: Core, dst: TensorView, op: Any, data: TensorView, bias: Any = None, scale: Any = 1.0, reduce_op: Any = None,
    reduce_res: Any = None, reduce_cmd: Any = None,
) -> Work:  # fmt: skip
    opcode = "activation"
    dst, data = require_tile(opcode, "dst", dst), require_tile(opcode, "data", data)
    require_same_pf(opcode, dst=dst, data=data)
    fn = _function(opcode, op)
    P = dst.partitions
    scale_of = scalar_reader(opcode, "scale", scale, P)
    _check_bias(core, opcode, bias)
    bias_of = scalar_reader(opcode, "bias", 0.0 if bias is None else bias, P)
    cmd = name_of(reduce_cmd) or "idle"
    reducer = name_of(reduce_op)
    if reducer is not None or reduce_res is not None or cmd != "idle":
        require(
            reducer in (None, "add"),
            opcode,
            f"reduce_op={reducer} (must be add)",
            "§4.4 activation reduce add",
        )
    if reduce_res is not None:
        _reduce_res(opcode, reduce_res, P)
    reduces = reduce_res is not None or cmd != "idle"
    name = name_of(op) or ""
    if name in IN_PLACE and _activates_in_place(dst, data, reduces):
        unit = not isinstance(scale, TensorView) and float(scale) == 1.0
        return _activating(IN_PLACE[name], scale_of, unit, bias_of, cmd, reduce_res is not None)

    def work(core: Core, t: dict[str, Any]) -> None:
        values = fn(read_pf(t["data"]) * scale_of(t) + bias_of(t))
        write_pf(t["dst"], values)  # before the read-out: reduce_res may alias dst (0.6 fix)
        if reduces:
            _reduce_into(core, values, "add", cmd, t.get("reduce_res"))

    return work


def _activates_in_place(dst: TensorView, data: TensorView, reduces: bool) -> bool:
    """Whether `_activating` computes the tile: plain fp32 `dst` with a `[P, F]` view whose rows are
    contiguous when they are summed (the same summation as over a new array), a floating `data` with one."""
    out = fp32_out(dst)
    return (
        out is not None
        and (not reduces or out.shape[1] <= 1 or out.strides[1] == out.itemsize)
        and numerics.is_float(data.dtype)
        and data.rows() is not None
    )


def _activating(ufunc: tuple[Any, type] | None, scale_of: Reader, unit_scale: bool, bias_of: Reader, cmd: str,
                has_result: bool) -> Work:  # fmt: skip
    """`dst = fn(data * scale + bias)` computed in `dst`'s fp32 rows; `x * 1.0` is `x` exactly, so a constant
    unit scale is skipped. The row sums of `dst` are the sums of the values: it stores them unrounded."""

    def work(core: Core, t: dict[str, Any]) -> None:
        dst = t["dst"]
        out, x = dst.rows(), t["data"].rows()
        scale, bias = scale_of(t), bias_of(t)  # read before `out` is written
        if unit_scale:
            np.add(x, bias, out=out, dtype=np.float32, casting="unsafe")
        else:
            np.multiply(x, scale, out=out, dtype=np.float32, casting="unsafe")
            np.add(out, bias, out=out)
        if ufunc is not None:
            ufunc[0](out, out=out, dtype=ufunc[1])
        if cmd != "idle" or has_result:
            _reduce_into(core, out, "add", cmd, t.get("reduce_res"))

    return work


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
