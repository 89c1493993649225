"""pytest plugin (`-p nkilib_suite_plugin`) that lets nki-library's own test suite import its harness.

The suite imports its harness as the package `test` (`from test.utils... import`), whose `__init__.py` the
published corpus does not ship, and Python's own regression-test package is also called `test`. The plugin
registers `<NKILIB_ROOT>/test` as the package `test` before pytest imports the suite's conftest, and adds
`test_overlay/` to `test.utils` for the two harness modules that exist only inside AWS (hardware-trace
analysis and the remote NeuronCore lock script). Nothing is written into the corpus.

One upstream defect of the harness at the corpus commit is worked around: in simulation mode the
orchestrator skips compilation, so `Orchestrator._compiled_kernel` is never set, yet every run then reads it
(`_rename_neff_outputs_to_python_names`); the attribute gets the value "no compiled kernel" (None).

Two budgets keep the suite's model-size shapes (vocabularies of 200k, 14k tokens) from exhausting a shared
machine: a test whose kernel inputs exceed `NKILIB_SIM_MAX_INPUT_MB` (default 64) is skipped before it is
simulated, and the process's address space is capped at `NKILIB_SUITE_MEMORY_GB` (default 8), a test
that runs out of it (building inputs or goldens) being reported as skipped with that reason.
"""

from __future__ import annotations

import os
import resource
import sys
import types
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

OVERLAY = Path(__file__).resolve().parent / "test_overlay"


def _register_test_package(nkilib_root: Path) -> None:
    package = types.ModuleType("test")
    package.__path__ = [str(nkilib_root / "test")]
    package.__package__ = "test"
    sys.modules["test"] = package
    import test.utils

    test.utils.__path__.append(str(OVERLAY))


def _default_compiled_kernel() -> None:
    from test.utils.test_orchestrator import Orchestrator

    if not hasattr(Orchestrator, "_compiled_kernel"):
        Orchestrator._compiled_kernel = None


MAX_INPUT_BYTES = int(float(os.environ.get("NKILIB_SIM_MAX_INPUT_MB", "64")) * 2**20)
MEMORY_BYTES = int(float(os.environ.get("NKILIB_SUITE_MEMORY_GB", "8")) * 2**30)


def _budget_simulations() -> None:
    import test.utils.simulation_setup as setup

    simulate = setup.simulate_kernel

    def simulate_within_budget(kernel_func: Any, kernel_input: dict[str, Any], lnc_count: int) -> list[Any]:
        arrays = kernel_input.values() if isinstance(kernel_input, dict) else ()
        size = sum(value.nbytes for value in arrays if isinstance(value, np.ndarray))
        if size > MAX_INPUT_BYTES:
            pytest.skip(f"kernel inputs of {size / 2**20:.0f} MB exceed NKILIB_SIM_MAX_INPUT_MB")
        return simulate(kernel_func, kernel_input, lnc_count)

    setup.simulate_kernel = simulate_within_budget


def _cap_memory() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > MEMORY_BYTES:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, hard))


def _out_of_memory(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MemoryError) or "can't allocate memory" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and _out_of_memory(call.excinfo.value):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, "Skipped: needs more than NKILIB_SUITE_MEMORY_GB of memory")


_register_test_package(Path(os.environ["NKILIB_ROOT"]).resolve())
_default_compiled_kernel()
_budget_simulations()
_cap_memory()
