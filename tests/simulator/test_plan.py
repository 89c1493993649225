"""Per-program plans (`nki_sim.plan`): checks once per instruction and program, work reused across runs."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np
import pytest

import nki
from nki._runtime import _to_numpy_arguments, clear_cache, compile_kernel
from nki_sim import Machine, numerics
from nki_sim.plan import spec_of
from nki_sim.semantics import registry
from nki_sim.views import TensorView
from tests.simulator import plan_kernels as k
from tests.simulator.conftest import fresh, tile, values

RNG = np.random.default_rng(11)
UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum}


def _counting(monkeypatch: pytest.MonkeyPatch, opcode: str) -> list[int]:
    calls: list[int] = []
    prepare = registry.PREPARED[opcode]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return prepare(*args, **kwargs)

    monkeypatch.setitem(registry.PREPARED, opcode, counted)
    return calls


def _accumulated(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    acc, y = a.astype(np.float32), b.astype(ml_dtypes.bfloat16).astype(np.float32)
    for _ in range(4):
        acc = acc + y
    for _ in range(3):
        acc = acc * y
    return acc


def test_each_instruction_is_checked_once_per_program(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cache()
    calls = _counting(monkeypatch, "tensor_tensor")
    for _ in range(3):
        a, b = (RNG.standard_normal((128, 64)).astype(np.float32) for _ in range(2))
        assert np.array_equal(nki.simulate(k.accumulate)(a, b), _accumulated(a, b))
        assert len(calls) == 4  # the loop body's instruction once, the three unrolled ones once each


def test_lnc2_cores_share_the_program_work() -> None:
    clear_cache()
    a, b = (RNG.standard_normal((128, 64)).astype(np.float32) for _ in range(2))
    for _ in range(2):
        assert np.array_equal(k.accumulate[2](a, b), _accumulated(a, b))


def test_equal_patterns_are_one_spec_and_kept_work_holds_no_memory() -> None:
    a = np.zeros((128, 64), np.float32)
    nki.simulate(k.accumulate)(a, a)
    arguments, _ = _to_numpy_arguments(k.accumulate, (a, a), {})
    program = compile_kernel(k.accumulate, arguments)
    specs = [spec_of(program, i) for i in program.instructions()]
    adds = [s for s in specs if s.opcode == "tensor_tensor"]
    assert len(adds) == 4 and all(s.static for s in adds)
    assert len({id(p) for s in adds for _, p in s.patterns}) == 2  # acc (dst and data1) and y
    assert all(spec_of(program, s.instruction) is s for s in specs)
    works = [w for s in specs for w in s.works.values()]
    assert len(works) == len([s for s in specs if s.static and s.opcode != "alloc"]) > 4
    assert not any(_holds_memory(w) for w in works)  # a later run must not compute on this run's arrays


def _holds_memory(value: Any, depth: int = 0) -> bool:
    if isinstance(value, (TensorView, np.ndarray)):
        return True
    if depth > 3:
        return False
    cells = [c.cell_contents for c in getattr(value, "__closure__", None) or ()]
    parts = [*getattr(value, "args", ()), *getattr(value, "keywords", {}).values()]
    return any(_holds_memory(v, depth + 1) for v in [*cells, *parts] if not callable(v) or v is not value)


CASES = [
    ("float32", "float32", "float32", "sbuf", True),
    ("float32", "float32", "float32", "psum", True),
    ("bfloat16", "float32", "bfloat16", "sbuf", True),
    ("float32", "bfloat16", "float32", "sbuf", False),  # bf16 stored as fp32: read without conversion
    ("tfloat32", "float32", "float32", "sbuf", True),
    ("float16", "float32", "float32", "psum", True),
]


@pytest.mark.parametrize(("dst_dtype", "in1_dtype", "in2_dtype", "in1_buffer", "precise"), CASES)
@pytest.mark.parametrize("op", sorted(UFUNCS))
def test_work_checked_on_one_machine_computes_on_another(
    dst_dtype: str, in1_dtype: str, in2_dtype: str, in1_buffer: str, precise: bool, op: str
) -> None:
    def operands(machine: Machine, seed: int) -> dict[str, TensorView]:
        core = machine.cores[0]
        numbers = np.random.default_rng(seed).uniform(-3, 3, (2, 64, 32))
        return {
            "dst": fresh(core, (64, 32), dst_dtype),
            "data1": tile(core, numbers[0], in1_dtype, in1_buffer),
            "data2": tile(core, numbers[1], in2_dtype),
        }

    checked, other = Machine("trn2", precise=precise), Machine("trn2", precise=precise)
    work = registry.bind(checked.cores[0], "tensor_tensor", {**operands(checked, 1), "op": op})
    tensors = operands(other, 2)
    with np.errstate(all="ignore"):
        work(other.cores[0], tensors)
    dst = tensors["dst"]
    computed = UFUNCS[op](values(tensors["data1"]), values(tensors["data2"]))
    expected = numerics.cast(computed, dst.array.dtype, dst.dtype)
    assert np.array_equal(dst.array, expected, equal_nan=True)


@pytest.mark.parametrize(("op", "reference"), [("add", np.add), ("bitwise_and", np.bitwise_and)])
def test_integer_work_is_exact_on_another_machine(op: str, reference: Callable[..., np.ndarray]) -> None:
    def operands(machine: Machine, seed: int) -> dict[str, TensorView]:
        core = machine.cores[0]
        numbers = np.random.default_rng(seed).integers(-(2**30), 2**30, (2, 16, 8))
        return {"dst": fresh(core, (16, 8), "int32"), "data1": tile(core, numbers[0], "int32"),
                "data2": tile(core, numbers[1], "int32")}  # fmt: skip

    checked, other = Machine("trn2"), Machine("trn2")
    work = registry.bind(checked.cores[0], "tensor_tensor", {**operands(checked, 3), "op": op})
    tensors = operands(other, 4)
    work(other.cores[0], tensors)
    wide = reference(tensors["data1"].array.astype(np.int64), tensors["data2"].array.astype(np.int64))
    assert np.array_equal(tensors["dst"].array, np.clip(wide, -(2**31), 2**31 - 1).astype(np.int32))


def test_floating_point_errors_neither_warn_nor_trap_and_the_callers_state_is_kept() -> None:
    a = np.full((128, 8), 1e30, np.float32)
    before = np.geterr()
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out = nki.simulate(k.overflow)(a)
        assert np.geterr()["over"] == "raise"
    assert np.isnan(out).all()  # 1e30 * 1e30 = inf, inf * 0 = NaN
    assert np.geterr() == before


def test_returned_tensors_are_new_arrays_even_when_returned_twice_or_an_input() -> None:
    a = RNG.standard_normal((128, 16)).astype(np.float32)
    first, second, same = nki.simulate(k.twice)(a)
    assert not np.shares_memory(first, second) and not np.shares_memory(same, a)
    first[...] = 0.0
    assert np.array_equal(second, a) and np.array_equal(same, a)
