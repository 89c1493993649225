"""Sanity of the back end's model: the tutorial matmuls rank like on hardware, idle engines absorb work,
and the fast allocator's first fit equals the plain sweep over rectangles it replaced."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from nki_compiler.backend import run_backend
from nki_compiler.backend.alloc_space import Grid
from nki_compiler.backend.builder import ProgramBuilder
from nki_compiler.backend.cost_model import pe_peak_flops
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir.program import Program
from nki_compiler.specializer import specialize
from nki_compiler.specializer.emit import Budgets
from nki_compiler.specializer.facts import TensorFact
from tests.backend import programs

TUTORIAL = "aws-neuron-sdk/nki/examples/matrix_multiplication/matrix_multiplication_nki_kernels.py"
STEPS = ("nki_matmul_tiled_", "nki_matmul_hoist_load_", "nki_matmul_block_free_dimension_",
         "nki_matmul_fully_optimized_")  # fmt: skip


def test_tutorial_matmuls_rank_like_the_hardware_measurements(corpus: Path) -> None:
    """Each optimisation step of the tutorial is estimated faster than the previous (AWS's measured order)."""
    m, k, n = 2048, 2048, 2048  # the smallest size every step accepts (fully optimised: 2048-row M blocks)
    facts = {"lhsT": TensorFact("bfloat16", (k, m)), "rhs": TensorFact("bfloat16", (k, n))}
    workspace = Workspace()
    module = workspace.module(str(corpus / TUTORIAL))
    assert module is not None
    latencies = []
    for kernel in STEPS:
        result = specialize(workspace, module, kernel, facts, "trn1", Budgets(seconds=600.0))
        assert result.program is not None, [d.message for d in result.diagnostics]
        latencies.append(run_backend(result.program).schedule.latency)
    assert latencies == sorted(latencies, reverse=True) and len(set(latencies)) == len(latencies)
    utilisation = 2 * m * n * k / (latencies[-1] * 1e-9) / pe_peak_flops("trn1")
    assert 0.3 < utilisation <= 1.0


def _with_idle_engine_work(program: Program, engine: str) -> Program:
    """`program` plus an independent op on an engine it never uses, on a tile nothing else touches."""
    b = ProgramBuilder("extra")
    b.program, b._bodies = program, [program.body]
    spare = b.tensor((128, 256), "float32", "sbuf", "spare")
    if engine == "gpsimd":
        b.op("iota", dst=b.whole(spare), expr=0)
    else:
        b.op("activation", dst=b.whole(spare), data=b.whole(spare), op="exp")
    return program


@pytest.mark.parametrize("engine", ["gpsimd", "scalar"])
def test_independent_work_on_an_idle_engine_does_not_lengthen_the_estimate(engine: str) -> None:
    base = run_backend(programs.matmul_tile())
    assert base.schedule.busy.get(engine, 0.0) == 0.0
    extended = run_backend(_with_idle_engine_work(programs.matmul_tile(), engine))
    assert extended.schedule.busy[engine] > 0.0
    assert extended.schedule.latency == pytest.approx(base.schedule.latency)


def test_dependent_work_does_lengthen_the_estimate() -> None:
    """The counterpart: the same op reading the result tile must wait for it, so the estimate grows."""
    base = run_backend(programs.matmul_tile()).schedule.latency
    b = ProgramBuilder("dependent")
    program = programs.matmul_tile()
    b.program, b._bodies = program, [program.body]
    result = next(s for s in program.storages if s.name == "res")
    b.op("activation", dst=b.whole(result), data=b.whole(result), op="exp")
    assert run_backend(program).schedule.latency > base


def _sweep_first_fit(taken: list[tuple[int, int]], size: int, limit: int) -> int | None:
    """The allocator's former first fit: sweep the occupied byte ranges in order of their start."""
    offset = 0
    for lo, hi in sorted(taken):
        if lo - offset >= size:
            break
        offset = max(offset, hi)
    return offset if offset + size <= limit else None


@pytest.mark.parametrize("seed", range(20))
def test_grid_first_fit_equals_the_sweep_over_rectangles(seed: int) -> None:
    rng = random.Random(seed)
    step, limit = rng.choice([(64, 4096), (2048, 16384), (4, 1024)])
    grid = Grid([0, 128], step, limit)
    taken = []
    for _ in range(rng.randrange(0, 12)):
        offset, size = step * rng.randrange(0, limit // step), step * rng.randrange(1, 8)
        grid.add(0, 128, offset, size, 1)
        taken.append((offset, offset + size))
    for size in (step, 3 * step, limit // 2, limit):
        found = grid.first_fit(grid.occupied(0, 128), size)
        expected = _sweep_first_fit(taken, size, limit)
        assert (found if found is not None and found + size <= limit else None) == expected
