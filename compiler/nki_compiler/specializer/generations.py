"""Per-generation gating (nki-api.md §6 rule 9): instructions, parameters and dtypes that only exist
from some NeuronCore version on. An instruction used on an older target is reported as NKI416 at the
argument that needs the newer hardware (or at the call when the whole instruction does).

Targets: trn1 = NeuronCore-v2, trn2 = v3, trn3 = v4.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from nki_compiler.specializer.interpreter import Frame, Interpreter
from nki_compiler.specializer.tensors import Tensor

GENERATION = {"trn1": 2, "trn2": 3, "trn3": 4}
TARGET_OF = {2: "trn1", 3: "trn2", 4: "trn3"}

#: instruction -> first NeuronCore version that has it
INSTRUCTIONS = {
    "range_select": 3, "nonzero_with_count": 3, "rand_set_state": 3, "rand_get_state": 3, "core_barrier": 3,
    "sendrecv": 3, "nc_matmul_mx": 4, "quantize_mx": 4, "activate2": 4, "exponential": 4, "rand2": 4,
}  # fmt: skip
#: `nl` operators that only v4 ALUs implement (as `op`, `op0`, `op1` or `reduce_op`)
V4_OPERATORS = frozenset({"abs_max", "abs_min"})
OPERATOR_KEYS = ("op", "op0", "op1", "reduce_op")
DMA_WITH_PRIORITY = frozenset({"dma_copy", "dma_transpose"})


def _member(value: Any) -> str | None:
    return getattr(value, "name", None)


def _operator(value: Any) -> str | None:
    qualname = getattr(value, "__nki_qualname__", "")
    return qualname.rpartition(".")[2] if isinstance(qualname, str) and qualname else None


def _hwdge(values: dict[str, Any]) -> bool:
    return _member(values.get("dge_mode")) == "hwdge"


def _is_true(key: str) -> Callable[[dict[str, Any]], bool]:
    return lambda values: values.get(key) is True


def _indirect_source(values: dict[str, Any]) -> bool:
    source = values.get("src")
    return isinstance(source, Tensor) and source.indirect


def _scalar_bias(values: dict[str, Any]) -> bool:
    bias = values.get("bias")
    return isinstance(bias, (int, float)) and not isinstance(bias, bool)


def _e4m3fn_operand(values: dict[str, Any]) -> bool:
    return any(
        isinstance(values.get(k), Tensor) and values[k].dtype == "float8_e4m3fn"
        for k in ("stationary", "moving")
    )


def _engine(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda values: _member(values.get("engine")) == name


def _unary_op0(values: dict[str, Any]) -> bool:
    return _operator(values.get("op0")) in ("square", "relu")


#: instruction -> [(argument to underline, condition on the bound values, version, what needs it)]
PARAMETERS: dict[str, list[tuple[str, Callable[[dict[str, Any]], bool], int, str]]] = {
    "dma_copy": [("dge_mode", _hwdge, 3, "dge_mode=hwdge")],
    "dma_transpose": [
        ("dge_mode", _hwdge, 3, "dge_mode=hwdge"),
        ("src", _indirect_source, 3, "an indirect dma_transpose source"),
    ],
    "nc_matmul": [
        ("perf_mode", lambda v: _member(v.get("perf_mode")) == "double_row", 3, "perf_mode=double_row"),
        ("is_transpose", _is_true("is_transpose"), 3, "is_transpose=True"),
        ("moving", _e4m3fn_operand, 4, "float8_e4m3fn matmul operands"),
    ],
    "rng": [("engine", _engine("gpsimd"), 3, "rng on the GpSimd engine")],
    "activation": [("bias", _scalar_bias, 3, "a scalar bias")],
    "tensor_copy": [("engine", _engine("scalar"), 3, "tensor_copy on the Scalar engine")],
    "tensor_scalar": [("op0", _unary_op0, 4, "square/relu as op0")],
    "tensor_scalar_reduce": [("op0", _unary_op0, 4, "square/relu as op0")],
    "rand_set_state": [("engine", _engine("vector"), 4, "random state on the Vector engine")],
    "rand_get_state": [("engine", _engine("vector"), 4, "random state on the Vector engine")],
}


def reason(what: str, version: int, target: str) -> str:
    return (
        f"{what} needs NeuronCore-v{version} ({TARGET_OF[version]}) or later; "
        f"the target is {target} (NeuronCore-v{GENERATION[target]})"
    )


def check_generation(
    interp: Interpreter,
    frame: Frame,
    name: str,
    call: ast.Call,
    values: dict[str, Any],
    nodes: dict[str, ast.AST],
) -> None:
    current = GENERATION.get(interp.target)
    if current is None:
        return
    needed = INSTRUCTIONS.get(name, 0)
    if needed > current:
        interp.report("NKI416", frame, call.func, reason=reason(f"nisa.{name}", needed, interp.target))
        return
    for key, condition, version, what in PARAMETERS.get(name, ()):
        if version > current and condition(values):
            interp.report("NKI416", frame, nodes.get(key, call), reason=reason(what, version, interp.target))
    if current < 4:
        _check_v4_values(interp, frame, name, call, values, nodes)


def _check_v4_values(
    interp: Interpreter,
    frame: Frame,
    name: str,
    call: ast.Call,
    values: dict[str, Any],
    nodes: dict[str, ast.AST],
) -> None:
    if name in DMA_WITH_PRIORITY and values.get("priority") is not None:
        interp.report(
            "NKI416", frame, nodes.get("priority", call), reason=reason("priority=", 4, interp.target)
        )
    for key in OPERATOR_KEYS:
        value = values.get(key)
        if value is None:
            continue
        operator = _operator(value)
        if operator in V4_OPERATORS:
            what = f"the {operator} operator"
            interp.report("NKI416", frame, nodes.get(key, call), reason=reason(what, 4, interp.target))


def check_language_operator(interp: Interpreter, frame: Frame, name: str, call: ast.Call) -> None:
    """`nl.abs_max(x, y)` / `nl.abs_min(x, y)` lower to an ALU operator only v4 has."""
    current = GENERATION.get(interp.target)
    if current is not None and current < 4 and name in V4_OPERATORS:
        interp.report("NKI416", frame, call.func, reason=reason(f"nl.{name}", 4, interp.target))


def check_tensor_indirect(interp: Interpreter, frame: Frame, call: ast.Call) -> bool:
    """`t.indirect(index)` (tensor indirection for compute engines) is v4 only (nki-api.md §3.10); False
    when reported."""
    current = GENERATION.get(interp.target)
    if current is not None and current < 4:
        interp.report("NKI416", frame, call.func, reason=reason(".indirect()", 4, interp.target))
        return False
    return True
