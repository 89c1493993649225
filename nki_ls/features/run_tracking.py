"""Simulation with bookkeeping for run-on-save: the running instruction and where NaN first appeared.

Kernel inputs are finite random values and fresh on-chip memory is NaN, so the first instruction that
reads NaN read memory nothing wrote, and the first that writes NaN from NaN-free inputs produced it.
Checking stops at the first such instruction, so the cost is one `isnan` per operand until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nki_compiler.ir.access import AccessPattern
from nki_compiler.ir.program import Instruction, Loop, Origin
from nki_sim import numerics
from nki_sim.run import Execution

#: Operand names an instruction writes; every other tensor operand is read.
OUTPUT_OPERANDS = frozenset({"dst", "val_dst", "idx_dst", "reduce_res", "dst_scale", "dst_idx"})


@dataclass
class NanOrigin:
    """The first instruction that read NaN (`read`: uninitialised memory) or wrote NaN from clean inputs."""

    origin: Origin
    opcode: str
    tensor: str
    read: bool


class TrackedExecution(Execution):
    """`nki_sim.run.Execution` that remembers the running instruction and where NaN first appeared."""

    current: Origin | None = None
    nan: NanOrigin | None = None

    def run_loop(self, loop: Loop) -> None:
        self.current = loop.origin
        super().run_loop(loop)

    def run_instruction(self, instruction: Instruction) -> None:
        self.current = instruction.origin
        if self.nan is None:
            self._check_reads(instruction)
        super().run_instruction(instruction)
        if self.nan is None:
            self._check_writes(instruction)

    def _check_reads(self, instruction: Instruction) -> None:
        for _name, view in self._views(instruction, outputs=False):
            if _has_nan(view):
                self.nan = NanOrigin(instruction.origin, instruction.opcode.value, view.name, True)
                return

    def _check_writes(self, instruction: Instruction) -> None:
        for _name, view in self._views(instruction, outputs=True):
            if _has_nan(view):
                self.nan = NanOrigin(instruction.origin, instruction.opcode.value, view.name, False)
                return

    def _views(self, instruction: Instruction, outputs: bool) -> list[tuple[str, Any]]:
        found = []
        for name, value in instruction.operands:
            if not isinstance(value, AccessPattern) or (name in OUTPUT_OPERANDS) != outputs:
                continue
            try:
                found.append((name, self.view(value, instruction.opcode.value)))
            except Exception:  # the instruction itself reports bad operands
                continue
        return found


def _has_nan(view: Any) -> bool:
    try:
        if not numerics.is_float(view.dtype) or numerics.is_mx(view.dtype):
            return False
        return bool(np.isnan(np.asarray(view.array, dtype=np.float32)).any())
    except Exception:
        return False
