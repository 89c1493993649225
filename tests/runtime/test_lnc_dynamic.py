"""LNC2 launches (one program per `nl.program_id`, shared HBM, `sendrecv`/`core_barrier`) and dynamic access
patterns (`scalar_offset`, `vector_offset`, dynamic `select`, `vector_select`, `oob_mode`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nki
import nki_sim
from nki_ls.cli import main
from tests.runtime import kernels as k

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(11)
A = RNG.standard_normal((256, 64)).astype(np.float32)
TABLE = RNG.standard_normal((512, 64)).astype(np.float32)


@pytest.fixture(autouse=True)
def _trn2(monkeypatch: pytest.MonkeyPatch) -> None:
    """sendrecv/core_barrier need trn2+; do not depend on the target other tests left behind."""
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn2")


def _swapped(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[128:], a[:128]])


@pytest.mark.parametrize("lnc", [1, 2])
def test_work_split_by_program_id_covers_the_whole_output(lnc: int) -> None:
    assert np.allclose(k.lnc_split_kernel[lnc](A), 2 * A)


def test_lnc2_programs_are_specialized_per_core() -> None:
    from nki._runtime import compile_kernel

    first, second = (compile_kernel(k.lnc_split_kernel, {"a": A}, core, 2) for core in (0, 1))
    sources = [[p.text() for _, p in i.patterns() if p.storage.kind == "arg"] for i in first.instructions()]
    others = [[p.text() for _, p in i.patterns() if p.storage.kind == "arg"] for i in second.instructions()]
    assert [s for s in sources if s] == [["%a[0; [64,128],[1,64]]"]]
    assert [s for s in others if s] == [["%a[8192; [64,128],[1,64]]"]]


def test_sendrecv_and_core_barrier_exchange_halves_between_cores() -> None:
    by_sendrecv, by_barrier = nki.cpu_simulate(k.lnc_exchange_kernel)[2](A)
    assert np.array_equal(by_sendrecv, _swapped(A))
    assert np.array_equal(by_barrier, _swapped(A))


def test_lnc2_primitives_need_an_lnc2_launch() -> None:
    with pytest.raises(nki_sim.SimulationError, match="needs an LNC2 launch"):
        k.lnc_exchange_kernel(A)


def test_barrier_reached_by_one_core_only_is_a_deadlock_error() -> None:
    with pytest.raises(nki_sim.SimulationError, match="waits for the other core") as caught:
        k.lnc_lonely_barrier_kernel[2](A[:128])
    assert caught.value.opcode == "core_barrier" and caught.value.location is not None


def test_register_scalar_offset_in_a_runtime_loop() -> None:
    x = RNG.standard_normal((6, 128, 64)).astype(np.float32)
    assert np.allclose(k.runtime_sum_kernel(x), x.sum(axis=0), atol=1e-5)


def test_nki_ls_run_executes_the_runtime_loops_kernel(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--run", str(ROOT / "tests/data/ir/runtime_loops.py::loops_kernel")]) == 0
    assert capsys.readouterr().out.startswith("out[0]: float32[128,64]")


@pytest.mark.parametrize("block", [0, 2, 4])
def test_dynamic_select_by_sbuf_index(block: int) -> None:
    x = RNG.standard_normal((5, 128, 64)).astype(np.float32)
    index = np.array([[block]], dtype=np.int32)
    assert np.array_equal(k.select_block_kernel(x, index), x[block])


def test_dynamic_select_out_of_range_fails() -> None:
    x = RNG.standard_normal((5, 128, 64)).astype(np.float32)
    with pytest.raises(nki_sim.OutOfBoundsError):
        k.select_block_kernel(x, np.array([[5]], dtype=np.int32))


def test_vector_offset_and_vector_select_gather_rows() -> None:
    rows = RNG.integers(0, 512, size=(128, 1)).astype(np.int32)
    by_ap, by_select = k.gather_rows_kernel(TABLE, rows)
    assert np.array_equal(by_ap, TABLE[rows[:, 0]])
    assert np.array_equal(by_select, TABLE[rows[:, 0]])


def test_vector_offset_destination_scatters_rows_in_place() -> None:
    table = TABLE.copy()
    rows = RNG.permutation(512)[:128].reshape(128, 1).astype(np.int32)
    values = RNG.standard_normal((128, 64)).astype(np.float32)
    k.scatter_rows_kernel(table, rows, values)
    expected = TABLE.copy()
    expected[rows[:, 0]] = values
    assert np.array_equal(table, expected)


def test_oob_mode_skip_leaves_out_of_range_rows_untouched() -> None:
    rows = RNG.integers(0, 512, size=(128, 1)).astype(np.int32)
    rows[[3, 70]] = [[512], [-1]]
    out = k.gather_skip_kernel(TABLE, rows)
    expected = TABLE[np.clip(rows[:, 0], 0, 511)]
    expected[[3, 70]] = 0
    assert np.array_equal(out, expected)


def test_oob_mode_error_names_the_bad_row() -> None:
    rows = np.zeros((128, 1), np.int32)
    rows[9] = 600
    with pytest.raises(nki_sim.OutOfBoundsError, match=r"vector_offset\[9\] = 600"):
        k.gather_error_kernel(TABLE, rows)
