"""A run drops each on-chip tensor after its last use (`nki_sim.plan.releases`), never earlier; a static
pattern is checked once per storage precision (`PatternSpec.accepted`)."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

import nki
import nki_sim
from nki._runtime import _to_numpy_arguments, compile_kernel
from nki_compiler.ir.access import AccessPattern
from nki_compiler.ir.program import Loop, Program
from nki_sim import Machine, numerics
from nki_sim.plan import releases, specs_of
from nki_sim.run import Execution
from nki_sim.views import Storage
from tests.simulator import release_kernels as k

RNG = np.random.default_rng(17)


def _program(kernel: Any, *args: Any) -> Program:
    arguments, _ = _to_numpy_arguments(kernel, args, {})
    return compile_kernel(kernel, arguments)


def _run(program: Program, *arrays: np.ndarray) -> tuple[Execution, np.ndarray]:
    execution = Execution(program, Machine(program.target))
    names = [name for name, value in program.arguments if isinstance(value, AccessPattern)]
    execution.bind_inputs(dict(zip(names, arrays, strict=True)))
    execution.run_nodes(program.body)
    return execution, execution.output(program.outputs[0])


def _scaled_rows(x: np.ndarray) -> np.ndarray:
    xf = x.astype(np.float32).reshape(-1, 32, x.shape[1])
    return (xf * np.add.reduce(xf * xf, axis=2, keepdims=True)).reshape(x.shape)


def test_every_on_chip_tile_is_dropped_and_the_results_stay_exact() -> None:
    x = RNG.uniform(-2, 2, (128, 48)).astype(ml_dtypes.bfloat16)
    program = _program(k.scaled_rows, x)
    for _ in range(2):  # the second run reuses the checked work
        execution, out = _run(program, x)
        assert np.allclose(out, _scaled_rows(x), rtol=1e-6)
        assert not execution.core.sbuf and not execution.core.psum
        assert all(not storage.on_chip for storage in execution.storages.values())
        assert all(not pattern.storage.on_chip for pattern in execution._pattern_views)
    assert np.array_equal(nki.simulate(k.scaled_rows)(x), out)


def test_a_tile_used_inside_a_runtime_loop_lives_until_its_last_use_after_it() -> None:
    a = RNG.standard_normal((16, 8)).astype(np.float32)
    program = _program(k.looped, a)
    loop = next(i for i, node in enumerate(program.body) if isinstance(node, Loop))
    acc = next(s for s in program.storages if s.on_chip)
    (index,) = [i for i, ids in releases(program).items() if acc.id in ids]
    assert index > loop and index == len(program.body) - 1
    _, out = _run(program, a)
    assert np.array_equal(out, a * 8 + 1)


def test_returned_and_argument_tensors_are_never_released() -> None:
    x = RNG.uniform(-2, 2, (64, 16)).astype(ml_dtypes.bfloat16)
    program = _program(k.scaled_rows, x)
    released = {id_ for ids in releases(program).values() for id_ in ids}
    kept = {s.id for s in program.storages if not s.on_chip}
    assert released and not released & kept
    assert released == {s.id for s in program.storages if s.on_chip}


def test_patterns_are_checked_once_per_storage_precision_then_built_directly() -> None:
    x = RNG.uniform(-2, 2, (64, 16)).astype(ml_dtypes.bfloat16)
    program = _program(k.scaled_rows, x)
    expected = _scaled_rows(x)
    for precise in (True, False, True):
        assert np.allclose(nki_sim.run(program, [x], precise=precise), expected, rtol=1e-6)
    patterns = {p for spec in specs_of(program).values() for _, p in spec.patterns}
    assert patterns and all(p.accepted == {True, False} for p in patterns)


@pytest.mark.parametrize("precise", [True, False])
def test_fresh_memory_holds_the_fill_value_of_every_dtype(precise: bool) -> None:
    for name in numerics.NUMERICS:
        storage = Storage.fresh("t", (4, 3), name, "sbuf", precise)
        expected = np.full(12, numerics.fill_value(name), dtype=numerics.storage_dtype(name, precise))
        assert storage.data.dtype == expected.dtype, name
        assert np.array_equal(storage.data.view(np.uint8), expected.view(np.uint8)), name
