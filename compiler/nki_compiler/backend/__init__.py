"""Back end: liveness, SBUF/PSUM allocation, dependencies, list scheduling with a cost model, report."""

from __future__ import annotations

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


def run_model(model: Model) -> BackendResult:
    hw = hardware(model.target)
    allocation = allocate(model)
    return BackendResult(model, allocation, schedule(model, allocation, hw), hw)


def run_backend(program: Program) -> BackendResult:
    return run_model(from_program(program))


__all__ = ["BackendResult", "from_program", "run_backend", "run_model"]
