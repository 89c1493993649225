"""`nki_sim.blas`: BLAS runs in one thread during a simulation, and the caller's setting comes back even when
simulations overlap."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

import nki
from nki_sim.blas import single_threaded_blas
from nki_sim.semantics import tensor_engine
from tests.simulator import plan_kernels as k
from tests.simulator import release_kernels

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads() -> list[int]:
    return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]


def test_one_blas_thread_inside_and_the_callers_setting_after() -> None:
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = _blas_threads()
        with single_threaded_blas():
            assert all(n == 1 for n in _blas_threads())
        assert _blas_threads() == before


def test_overlapping_simulations_restore_the_setting_once_the_last_one_ends() -> None:
    def overlapping() -> None:
        with single_threaded_blas():
            pass

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = _blas_threads()
        with single_threaded_blas():
            thread = threading.Thread(target=overlapping)
            thread.start()
            thread.join(10)
            assert all(n == 1 for n in _blas_threads())  # the other one ended first: still limited
        assert _blas_threads() == before


def test_a_simulation_leaves_blas_as_it_found_it() -> None:
    a = np.ones((128, 64), np.float32)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = _blas_threads()
        k.accumulate[2](a, a)  # LNC2: two cores in two threads
        nki.simulate(k.accumulate)(a, a)
        assert _blas_threads() == before


@pytest.mark.parametrize("lnc", [1, 2])
def test_the_simulated_matmul_runs_in_one_blas_thread(monkeypatch: pytest.MonkeyPatch, lnc: int) -> None:
    seen: list[list[int]] = []
    product = tensor_engine._product

    def recorded(*args: Any) -> np.ndarray:
        seen.append(_blas_threads())
        return product(*args)

    monkeypatch.setattr(tensor_engine, "_product", recorded)
    a_t, b = np.ones((64, 32), np.float32), np.ones((64, 48), np.float32)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        kernel = release_kernels.small_matmul
        out = kernel[2](a_t, b) if lnc == 2 else nki.simulate(kernel)(a_t, b)
    assert np.array_equal(out, np.full((32, 48), 64.0, np.float32))
    assert seen and all(threads == [1] for threads in seen)
