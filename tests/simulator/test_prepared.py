"""Instructions written in two steps (`@prepared`): the work checked on one machine computes exact results on
another machine's memory and accumulators, and the check step neither reads nor writes memory, nor warns."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from nki_sim import Machine, SimulationWarning, numerics
from nki_sim.machine import Core
from nki_sim.semantics import registry
from nki_sim.views import TensorView, make_view
from tests.simulator.conftest import fresh, tile, values

F32 = np.float32
Operands = Callable[[Core, np.random.Generator], dict[str, Any]]


def _run_prepared(opcode: str, operands: Operands, target: str = "trn2", precise: bool = True,
                  before: Callable[[Core], None] | None = None) -> tuple[Core, dict[str, Any], dict[str, Any]]:  # fmt: skip
    """Check `opcode` on one machine, then run its work on another's operands (different values).
    Returns (the other core, its operands before the run as fp32 copies, its operands)."""
    checked, other = Machine(target, precise=precise), Machine(target, precise=precise)
    first = operands(checked.cores[0], np.random.default_rng(1))
    snapshot = {k: np.array(v.array, copy=True) for k, v in first.items() if isinstance(v, TensorView)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # checking must not warn
        work = registry.bind(checked.cores[0], opcode, dict(first))
    second = operands(other.cores[0], np.random.default_rng(2))
    tensors = {k: v for k, v in second.items() if isinstance(v, TensorView)}
    inputs = {k: _inputs(v) for k, v in tensors.items()}
    if before is not None:
        before(other.cores[0])
    with np.errstate(all="ignore"):
        work(other.cores[0], tensors)
    for key, array in snapshot.items():  # the checked machine's memory is untouched
        assert np.array_equal(first[key].array, array, equal_nan=True), key
    return other.cores[0], inputs, second


def _inputs(t: TensorView) -> np.ndarray | None:
    """A copy of a tile's values: fp32 for floats, the integers themselves, None for packed MX."""
    if numerics.is_mx(t.dtype):
        return None
    return t.array.copy() if numerics.is_integer(t.dtype) else values(t).copy()


def _stored(dst: TensorView, computed: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):  # references overflow and make NaN like the engines
        return numerics.cast(np.asarray(computed, F32).reshape(dst.shape), dst.array.dtype, dst.dtype)


def _assert_stored(dst: TensorView, computed: np.ndarray) -> None:
    assert np.array_equal(dst.array, _stored(dst, computed), equal_nan=True)


def _column_of_wide(core: Core, shape: tuple[int, int], dtype: str) -> TensorView:
    """A `[P, F]` view that is columns 3.. of a wider fresh tile (rows not adjacent)."""
    storage = core.allocate("wide", (shape[0], shape[1] + 5), dtype, "sbuf")
    return make_view(storage, 3, shape, (shape[1] + 5, 1))


# -- tensor_scalar ------------------------------------------------------------------------------------------
UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum}
SCALAR_CASES = [  # dst dtype, data dtype, data buffer, second op, column operands, reverse
    ("float32", "float32", "sbuf", None, False, False),
    ("float32", "bfloat16", "sbuf", None, True, False),
    ("float32", "float32", "psum", "add", True, True),
    ("bfloat16", "float32", "sbuf", "maximum", False, True),
    ("float32", "float16", "sbuf", "multiply", True, False),
    ("tfloat32", "bfloat16", "sbuf", "subtract", False, False),
]


@pytest.mark.parametrize(("dst_dtype", "dtype", "buffer", "second", "columns", "reverse"), SCALAR_CASES)
@pytest.mark.parametrize("first", ["multiply", "subtract"])
def test_tensor_scalar_work_computes_on_another_machine(
    dst_dtype: str, dtype: str, buffer: str, second: str | None, columns: bool, reverse: bool, first: str
) -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        result: dict[str, Any] = {"dst": fresh(core, (32, 24), dst_dtype),
                                  "data": tile(core, rng.uniform(-3, 3, (32, 24)), dtype, buffer),
                                  "op0": first, "reverse0": reverse}  # fmt: skip
        result["operand0"] = tile(core, rng.uniform(-2, 2, (32, 1))) if columns else 0.75
        if second is not None:
            result |= {"op1": second, "reverse1": not reverse,
                       "operand1": tile(core, rng.uniform(-2, 2, (32, 1))) if columns else -1.5}  # fmt: skip
        return result

    _, inputs, ops = _run_prepared("tensor_scalar", operands)
    s0 = inputs["operand0"] if columns else F32(0.75)
    expected = _op(first, inputs["data"].reshape(32, 24), s0, reverse)
    if second is not None:
        expected = _op(second, expected, inputs["operand1"] if columns else F32(-1.5), not reverse)
    _assert_stored(ops["dst"], expected)


def _op(name: str, a: np.ndarray, b: Any, reverse: bool) -> np.ndarray:
    return UFUNCS[name](*((b, a) if reverse else (a, b))).astype(F32)


def test_tensor_scalar_with_dst_aliasing_its_column_operands() -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        x = tile(core, rng.uniform(-3, 3, (16, 8)))
        column = make_view(x.storage, 2, (16, 1), (8, 1))
        return {"dst": x, "data": x, "op0": "add", "operand0": column, "op1": "multiply", "operand1": column}

    _, inputs, ops = _run_prepared("tensor_scalar", operands)
    x = inputs["data"]
    _assert_stored(ops["dst"], (x + x[:, 2:3]) * x[:, 2:3])


def test_tensor_scalar_bitvec_work_is_exact_on_another_machine() -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        return {"dst": fresh(core, (16, 8), "int32"), "data": tile(core, rng.integers(-(2**30), 2**30, (16, 8)), "int32"),
                "op0": "bitwise_xor", "operand0": 0x5A5A5A5A, "op1": "right_shift",
                "operand1": tile(core, rng.integers(0, 31, (16, 1)), "int32")}  # fmt: skip

    _, inputs, ops = _run_prepared("tensor_scalar", operands)
    bits = inputs["data"].astype(np.int64) & 0xFFFFFFFF
    expected = (bits ^ 0x5A5A5A5A) >> inputs["operand1"].astype(np.int64)
    assert np.array_equal(ops["dst"].array, (expected & 0xFFFFFFFF).astype(np.uint32).view(np.int32))


# -- activation ---------------------------------------------------------------------------------------------
EXACT: dict[str, Callable[..., Any]] = {
    "exp": np.exp,
    "tanh": np.tanh,
    "log": np.log,
    "rsqrt": lambda x: 1.0 / np.sqrt(x),
}
IN_FP32: dict[str, Callable[..., Any]] = {
    "square": np.square,
    "copy": lambda x: x,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "negative": np.negative,
}
ACTIVATION_CASES = [  # function, dst dtype, data dtype, scale, bias, reduce_cmd, strided dst
    ("square", "float32", "bfloat16", 1.0, None, "reset_reduce", False),
    ("exp", "float32", "float32", 1.0, "column", "reset_reduce", True),
    ("exp", "bfloat16", "float32", 0.5, "column", "reduce", False),
    ("tanh", "float32", "float32", "column", 0.25, "idle", False),
    ("log", "float32", "bfloat16", 2.0, None, None, False),
    ("copy", "float32", "float32", 1.0, None, "reduce", True),
    ("sqrt", "float32", "float16", 1.0, 0.0, "reset_reduce", False),
    ("rsqrt", "float32", "float32", 1.0 / 64, 1e-6, None, False),
    ("negative", "float32", "float32", 1.0, "column", "reduce", False),
    ("abs", "float32", "float32", "column", None, "idle", True),
]


@pytest.mark.parametrize(
    ("function", "dst_dtype", "dtype", "scale", "bias", "cmd", "strided"), ACTIVATION_CASES
)
def test_activation_work_computes_on_another_machine(
    function: str, dst_dtype: str, dtype: str, scale: Any, bias: Any, cmd: str | None, strided: bool
) -> None:
    P, F = 32, 40

    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        dst = _column_of_wide(core, (P, F), dst_dtype) if strided else fresh(core, (P, F), dst_dtype)
        result: dict[str, Any] = {
            "dst": dst,
            "op": function,
            "data": tile(core, rng.uniform(-3, 3, (P, F)), dtype),
        }
        result["scale"] = tile(core, rng.uniform(-2, 2, (P, 1))) if scale == "column" else scale
        if bias is not None:
            result["bias"] = tile(core, rng.uniform(-1, 1, (P, 1))) if bias == "column" else bias
        if cmd is not None:
            result |= {"reduce_op": "add", "reduce_cmd": cmd, "reduce_res": fresh(core, (P, 1))}
        return result

    accumulators = np.random.default_rng(3).uniform(-5, 5, 128).astype(F32)

    def set_accumulators(core: Core) -> None:
        core.scalar_acc[...] = accumulators

    core, inputs, ops = _run_prepared("activation", operands, before=set_accumulators)
    s = inputs["scale"] if scale == "column" else F32(scale)
    b = inputs["bias"] if bias == "column" else F32(0.0 if bias is None else bias)
    x = (inputs["data"] * s + b).astype(F32)
    with np.errstate(all="ignore"):
        computed = (
            EXACT[function](x.astype(np.float64)) if function in EXACT else IN_FP32[function](x)
        ).astype(F32)
    _assert_stored(ops["dst"], computed)
    lanes = accumulators[:P].copy()
    if cmd == "reset_reduce":
        lanes[...] = 0.0
    if cmd in ("reduce", "reset_reduce"):
        lanes = (lanes + np.add.reduce(computed, axis=1).astype(F32)).astype(F32)
    assert np.array_equal(core.scalar_acc[:P], lanes, equal_nan=True)
    if cmd is not None:
        assert np.array_equal(values(ops["reduce_res"]).reshape(-1), lanes, equal_nan=True)


def test_activation_checks_every_operand_before_touching_memory() -> None:
    core = Machine("trn2").cores[0]
    dst, data = fresh(core, (8, 4)), tile(core, np.ones((8, 4)))
    with pytest.raises(Exception, match="reduce_res"):
        registry.bind(
            core, "activation", {"dst": dst, "op": "exp", "data": data, "reduce_res": fresh(core, (8, 2))}
        )
    assert np.isnan(dst.array).all()


# -- tensor_copy and dma_copy -------------------------------------------------------------------------------
COPY_CASES = [  # dst dtype, src dtype, precise, dst shape (of 16 x 24 elements)
    ("float32", "float32", True, (16, 24)),
    ("bfloat16", "float32", True, (16, 24)),
    ("float32", "bfloat16", True, (16, 4, 6)),
    ("bfloat16", "bfloat16", True, (16, 24)),
    ("float16", "bfloat16", True, (16, 24)),
    ("tfloat32", "float32", True, (16, 24)),
    ("int32", "float32", True, (16, 24)),
    ("float32", "int32", True, (16, 24)),
    ("float8_e4m3", "float32", True, (16, 24)),
    ("bfloat16", "float32", False, (16, 24)),
]


@pytest.mark.parametrize(("dst_dtype", "src_dtype", "precise", "dst_shape"), COPY_CASES)
@pytest.mark.parametrize(("opcode", "dst_buffer"), [("tensor_copy", "sbuf"), ("dma_copy", "hbm")])
def test_copy_work_computes_on_another_machine(
    dst_dtype: str, src_dtype: str, precise: bool, dst_shape: tuple[int, ...], opcode: str, dst_buffer: str
) -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        numbers = rng.uniform(-300, 300, (16, 24))
        numbers[0, :4] = [np.nan, np.inf, -0.0, 1e30] if not numerics.is_integer(src_dtype) else 0
        return {"dst": fresh(core, dst_shape, dst_dtype, dst_buffer), "src": tile(core, numbers, src_dtype)}

    _, inputs, ops = _run_prepared(opcode, operands, precise=precise)
    _assert_stored(ops["dst"], inputs["src"].reshape(dst_shape))


def test_copy_between_overlapping_views_of_one_tile() -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        x = tile(core, rng.uniform(-3, 3, (8, 16)), "bfloat16")
        return {
            "dst": make_view(x.storage, 1, (8, 12), (16, 1)),
            "src": make_view(x.storage, 3, (8, 12), (16, 1)),
        }

    _, inputs, ops = _run_prepared("tensor_copy", operands)
    _assert_stored(ops["dst"], inputs["src"])


# -- nc_matmul ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["bfloat16", "float32", "float8_e4m3"])
@pytest.mark.parametrize("accumulate", [False, True, None])
def test_matmul_work_accumulates_into_another_machines_psum(dtype: str, accumulate: bool | None) -> None:
    K, M, N = 64, 32, 48
    previous = np.random.default_rng(5).uniform(-1, 1, (M, N)).astype(F32)

    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        return {"dst": fresh(core, (M, N), "float32", "psum"), "accumulate": accumulate,
                "stationary": tile(core, rng.uniform(-2, 2, (K, M)), dtype),
                "moving": tile(core, rng.uniform(-2, 2, (K, N)), dtype)}  # fmt: skip

    def half_written(core: Core) -> None:
        psum = next(iter(core.psum.values()))
        psum.data[...] = previous.reshape(-1)
        assert psum.matmul_written is not None
        psum.matmul_written[: M * N // 2] = True  # the first half holds an earlier matmul's sums

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, inputs, ops = _run_prepared("nc_matmul", operands, before=half_written)
    product = np.matmul(inputs["stationary"].T, inputs["moving"], dtype=F32)
    written = np.arange(M * N).reshape(M, N) < M * N // 2
    add = written if accumulate is None else np.full((M, N), bool(accumulate))
    assert np.array_equal(ops["dst"].array, np.where(add, previous + product, product))
    assert ops["dst"].storage.matmul_written.all()
    assert [w.category for w in caught] == ([SimulationWarning] if accumulate else [])  # UB: decided per run


def test_matmul_transpose_mode_is_decided_on_each_runs_moving_values() -> None:
    def operands(core: Core, moving: np.ndarray) -> dict[str, Any]:
        stationary = np.random.default_rng(1).uniform(-2, 2, (32, 32))
        stationary[0, 0] = np.nan
        return {"dst": fresh(core, (32, 32), "float32", "psum"), "stationary": tile(core, stationary),
                "moving": tile(core, moving), "is_transpose": True}  # fmt: skip

    checked, other = Machine("trn2").cores[0], Machine("trn2").cores[0]
    work = registry.bind(checked, "nc_matmul", operands(checked, np.ones((32, 32))))  # not the identity
    ops = operands(other, np.eye(32))
    with np.errstate(all="ignore"):
        work(other, {k: v for k, v in ops.items() if isinstance(v, TensorView)})
    assert np.array_equal(
        ops["dst"].array, ops["stationary"].array.T, equal_nan=True
    )  # bit-exact: NaN stays put


# -- tensor_reduce, memset, nc_transpose --------------------------------------------------------------------
@pytest.mark.parametrize(("op", "dtype", "shape", "axis", "negate"), [
    ("maximum", "bfloat16", (16, 40), 1, True), ("add", "float32", (16, 5, 8), 2, False),
    ("add", "float32", (16, 5, 8), (1, 2), True), ("multiply", "float16", (16, 6), -1, False),
])  # fmt: skip
def test_tensor_reduce_work_computes_on_another_machine(
    op: str, dtype: str, shape: tuple[int, ...], axis: Any, negate: bool
) -> None:
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,)))
    kept = math.prod(n for i, n in enumerate(shape) if i not in axes) // shape[0]

    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        return {"dst": fresh(core, (16, kept)), "op": op, "data": tile(core, rng.uniform(-2, 2, shape), dtype),
                "axis": axis, "negate": negate}  # fmt: skip

    _, inputs, ops = _run_prepared("tensor_reduce", operands)
    reduced = getattr(np, op).reduce(inputs["data"].reshape(16, kept, -1), axis=2).astype(F32)
    _assert_stored(ops["dst"], -reduced if negate else reduced)


def test_bitvec_tensor_reduce_work_is_exact_on_another_machine() -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        return {"dst": fresh(core, (16, 1), "int32"), "op": "bitwise_or", "axis": 1,
                "data": tile(core, rng.integers(0, 2**20, (16, 12)), "int32")}  # fmt: skip

    _, inputs, ops = _run_prepared("tensor_reduce", operands)
    assert np.array_equal(
        ops["dst"].array[:, 0], np.bitwise_or.reduce(inputs["data"].astype(np.int64), axis=1)
    )


@pytest.mark.parametrize(("dtype", "value"), [("float32", 1.5), ("bfloat16", 1.0 / 3), ("tfloat32", 1.0 / 3),
                                              ("int32", -7), ("uint8", 300), ("float8_e4m3fn_x4", 0)])  # fmt: skip
def test_memset_work_fills_another_machines_tile(dtype: str, value: Any) -> None:
    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        return {"dst": fresh(core, (8, 6), dtype), "value": value}

    _, _, ops = _run_prepared("memset", operands)
    dst = ops["dst"]
    if numerics.is_mx(dtype):
        assert not dst.array.any()
    elif numerics.is_integer(dtype):
        assert np.array_equal(
            dst.array, numerics.cast(np.full(dst.shape, value, np.int64), dst.array.dtype, dtype)
        )
    else:
        _assert_stored(dst, np.full(dst.shape, value))


@pytest.mark.parametrize(("target", "dst_buffer", "size", "dtype"), [
    ("trn2", "psum", (64, 96), "bfloat16"), ("trn2", "sbuf", (16, 32), "int32"), ("trn1", "psum", (16, 8), "float32"),
])  # fmt: skip
def test_nc_transpose_work_computes_on_another_machine(
    target: str, dst_buffer: str, size: tuple[int, int], dtype: str
) -> None:
    P, F = size

    def operands(core: Core, rng: np.random.Generator) -> dict[str, Any]:
        numbers = rng.uniform(-100, 100, (P, F))
        if not numerics.is_integer(dtype):
            numbers[1, 2] = np.inf
        return {"dst": fresh(core, (F, P), dtype, dst_buffer), "data": tile(core, numbers, dtype)}

    _, inputs, ops = _run_prepared("nc_transpose", operands, target=target)
    expected = inputs["data"].T
    if target == "trn1":  # multiplied by the identity: inf * 0 spreads NaN along the row
        with np.errstate(all="ignore"):
            expected = np.matmul(inputs["data"].T, np.eye(P, dtype=F32))
    _assert_stored(ops["dst"], expected)


def test_every_prepared_instruction_is_listed() -> None:
    expected = {"tensor_tensor", "tensor_scalar", "activation", "tensor_copy", "dma_copy", "nc_matmul",
                "tensor_reduce", "memset", "nc_transpose"}  # fmt: skip
    assert expected <= set(registry.PREPARED)
