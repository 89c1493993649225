"""Back end: liveness, SBUF/PSUM allocation, dependencies, list scheduling with a cost model, report."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nki_compiler.backend.adapter import from_program
from nki_compiler.backend.alloc import Allocation, allocate
from nki_compiler.backend.cost_model import Hardware, hardware
from nki_compiler.backend.model import Model
from nki_compiler.backend.schedule import Schedule, schedule
from nki_compiler.ir.program import Program


@dataclass
class BackendResult:
    model: Model
    allocation: Allocation
    schedule: Schedule
    hardware: Hardware


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep the cyclic GC off the objects that exist already (the IR, the model) while the back end runs.

    The back end allocates millions of small acyclic objects; every full collection they trigger would
    otherwise rescan the whole heap. Frozen objects are handed back unchanged afterwards.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_model(model: Model) -> BackendResult:
    hw = hardware(model.target)
    with _collector_paused():
        allocation = allocate(model)
        return BackendResult(model, allocation, schedule(model, allocation, hw), hw)


def run_backend(program: Program) -> BackendResult:
    with _collector_paused():
        model = from_program(program)
    return run_model(model)


__all__ = ["BackendResult", "from_program", "run_backend", "run_model"]
