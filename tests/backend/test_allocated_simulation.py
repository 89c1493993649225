"""The simulator on the back end's addresses (issue 7 item 5): same outputs as the plain simulator for
correct allocations, wrong outputs when two live tensors are put on the same bytes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nki_sim
from nki_compiler.backend import BackendResult, run_backend
from nki_compiler.ir.program import Program
from nki_compiler.specializer.facts import TensorFact
from nki_ls.run_command import random_input, run_kernel_file
from tests.specializer.helpers import specialize_file

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "tests" / "runtime" / "kernels.py"
F32 = "float32"
CASES: list[tuple[Path, str, dict[str, Any] | None]] = [
    (RUNTIME, "add_kernel", {"a": TensorFact(F32, (128, 512)), "b": TensorFact(F32, (128, 512))}),
    (
        RUNTIME,
        "tiled_matmul",
        {"lhsT": TensorFact("bfloat16", (256, 128)), "rhs": TensorFact("bfloat16", (256, 1024))},
    ),
    (RUNTIME, "exp_scale_kernel", {"x": TensorFact(F32, (128, 256)), "scale": 0.5}),
    (RUNTIME, "affine_kernel", {"x": TensorFact(F32, (128, 256))}),
    (RUNTIME, "row_max_kernel", {"x": TensorFact(F32, (128, 256))}),
    (RUNTIME, "transpose_kernel", {"x": TensorFact(F32, (128, 128))}),
    (RUNTIME, "repeat_add_kernel", {"x": TensorFact(F32, (128, 256))}),
    (RUNTIME, "two_outputs_kernel", {"a": TensorFact(F32, (128, 256))}),
    (ROOT / "examples" / "matmul_kernel.py", "matmul_kernel", None),
    (ROOT / "tests" / "data" / "backend" / "scheduling" / "kernels.py", "ordered_kernel", None),
]


def _compiled(path: Path, kernel: str, facts: dict[str, Any] | None) -> tuple[Program, BackendResult]:
    result = specialize_file(path, kernel, facts)
    assert result.program is not None and result.complete, [d.message for d in result.diagnostics]
    backend = run_backend(result.program)
    assert not backend.allocation.diagnostics
    return result.program, backend


def _inputs(program: Program, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        name: random_input(TensorFact(value.storage.dtype, value.storage.shape), rng)
        for name, value in program.arguments
        if hasattr(value, "storage")
    }


def _outputs(value: Any) -> list[np.ndarray]:
    return list(value) if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("path, kernel, facts", CASES, ids=[c[1] for c in CASES])
def test_allocated_addresses_give_identical_outputs(path: Path, kernel: str, facts: Any) -> None:
    program, backend = _compiled(path, kernel, facts)
    plain = _outputs(nki_sim.run(program, _inputs(program)))
    allocated = _outputs(nki_sim.run(program, _inputs(program), allocation=backend))
    assert len(plain) == len(allocated)
    for expected, actual in zip(plain, allocated, strict=True):
        assert np.array_equal(expected, actual, equal_nan=True)


def test_two_live_tensors_on_one_address_give_a_wrong_result() -> None:
    facts = {"a": TensorFact(F32, (128, 512)), "b": TensorFact(F32, (128, 512))}
    program, backend = _compiled(RUNTIME, "add_kernel", facts)
    inputs = _inputs(program)
    expected = inputs["a"] + inputs["b"]
    assert np.allclose(nki_sim.run(program, _inputs(program), allocation=backend), expected)
    on_chip = [s for s in program.storages if s.buffer == "sbuf"]
    assert len(on_chip) == 2  # x and y are live together: the correct allocation keeps them apart
    x, y = (backend.allocation.placements[s.id] for s in on_chip)
    assert (x.partition, x.offset) != (y.partition, y.offset)
    placements = backend.allocation.placements
    placements[on_chip[1].id] = replace(y, partition=x.partition, offset=x.offset)  # the injected bug
    broken = nki_sim.run(program, _inputs(program), allocation=backend)
    assert not np.allclose(broken, expected)
    assert np.allclose(broken, 2 * inputs["b"])  # y's load overwrote x: the add reads b twice
    assert np.allclose(nki_sim.run(program, _inputs(program)), expected)  # the plain run is unaffected


def test_allocated_run_needs_precise_storage() -> None:
    facts = {"x": TensorFact(F32, (128, 256))}
    program, backend = _compiled(RUNTIME, "affine_kernel", facts)
    with pytest.raises(ValueError, match="precise"):
        nki_sim.run(program, _inputs(program), allocation=backend, precise=False)


def test_run_command_allocated_matches_plain() -> None:
    path = str(ROOT / "examples" / "matmul_kernel.py")
    plain = run_kernel_file(path, "matmul_kernel", "trn2", seed=3)
    allocated = run_kernel_file(path, "matmul_kernel", "trn2", seed=3, allocated=True)
    assert plain.error is None and allocated.error is None
    assert [n for n, _ in plain.outputs] == [n for n, _ in allocated.outputs]
    for (_, expected), (_, actual) in zip(plain.outputs, allocated.outputs, strict=True):
        assert np.array_equal(expected, actual, equal_nan=True)
