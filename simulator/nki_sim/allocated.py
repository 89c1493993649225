"""Running on the back end's addresses (issue 7 item 5): one SBUF and one PSUM byte array per core.

Every on-chip tensor lives at its `Placement` (partitions `[start, start + P)`, bytes
`[offset, offset + row)` in each), so two tensors the allocator put on the same bytes really share them:
an allocator or aliasing bug becomes a wrong result. The semantics keep working on per-tensor `Storage`s;
around each instruction the operands' bytes are read from the shared arrays and the written operands'
bytes are put back (a tensor's storage is only a working copy of its address range). Fresh memory holds
0xFF bytes (NaN for floats), like the per-tensor storages of the plain simulator.

The byte layout needs the storage dtype to have the NKI dtype's width, i.e. precise storage
(`NKI_PRECISE_FP=1`, the default): `run(..., allocation=...)` asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nki_compiler.backend import BackendResult
from nki_compiler.backend.alloc import PARTITIONS, PSUM_BYTES, capacity
from nki_compiler.ir.access import Storage as IrStorage
from nki_compiler.ir.access import dtype_bytes
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.program import Instruction
from nki_sim.errors import SimulationError

if TYPE_CHECKING:
    from nki_sim.run import Execution

__all__ = ["AllocatedMemory"]

_WRITTEN = frozenset({"dst", "val_dst", "idx_dst", "reduce_res", "dst_scale", "dst_idx"})
_RULE = "issue 7: simulation on allocated addresses"


class AllocatedMemory:
    """The shared SBUF/PSUM of one core, laid out by a back-end allocation."""

    def __init__(self, backend: BackendResult) -> None:
        self.placements = backend.allocation.placements
        sbuf_bytes = capacity("sbuf", backend.model.target)
        self.arrays = {
            "sbuf": np.full((PARTITIONS, sbuf_bytes), 0xFF, dtype=np.uint8),
            "psum": np.full((PARTITIONS, PSUM_BYTES), 0xFF, dtype=np.uint8),
        }

    def execute(self, execution: Execution, instruction: Instruction) -> None:
        """Run one instruction of `execution` with its on-chip operands backed by the shared arrays."""
        if instruction.opcode is Opcode.ALLOC:
            execution.run_instruction(instruction)
            return
        try:
            touched = self._operands(instruction)
            for ir, _ in touched:
                self._bytes(execution, ir)[...] = self.region(ir).reshape(-1)
        except SimulationError as error:
            if error.location is None:
                error.at(execution.location(instruction.origin))
            raise
        execution.run_instruction(instruction)
        for ir, written in touched:
            if written:
                self.region(ir)[...] = self._bytes(execution, ir).reshape(self.region(ir).shape)

    def region(self, ir: IrStorage) -> np.ndarray:
        """The bytes of `ir` in the shared array: partitions x bytes per partition."""
        placement = self.placements.get(ir.id)
        if placement is None:
            raise SimulationError("alloc", f"{ir.label} has no allocated address", _RULE)
        partitions = ir.shape[0] if ir.shape else 1
        row = ir.partition_elements * (dtype_bytes(ir.dtype) or 4)
        memory = self.arrays["psum" if ir.buffer == "psum" else "sbuf"]
        first, offset = placement.partition, placement.offset
        if first + partitions > memory.shape[0] or offset + row > memory.shape[1]:
            raise SimulationError("alloc", f"{ir.label} at partition {first}, byte {offset} does not fit "
                                  f"in {ir.buffer}", _RULE)  # fmt: skip
        return memory[first : first + partitions, offset : offset + row]

    def _bytes(self, execution: Execution, ir: IrStorage) -> np.ndarray:
        data = execution.storage(ir).data
        if data.nbytes != ir.size * (dtype_bytes(ir.dtype) or 4):
            raise SimulationError("alloc", f"{ir.label}: {ir.dtype} is not stored at its width; simulating on "
                                  "allocated addresses needs precise storage (NKI_PRECISE_FP=1)", _RULE)  # fmt: skip
        return data.view(np.uint8)

    @staticmethod
    def _operands(instruction: Instruction) -> list[tuple[IrStorage, bool]]:
        """Each on-chip storage the instruction touches once, with whether it is written."""
        written: dict[int, bool] = {}
        storages: dict[int, IrStorage] = {}
        for key, pattern in instruction.patterns():
            storage = pattern.storage
            if storage.on_chip:
                storages[storage.id] = storage
                written[storage.id] = written.get(storage.id, False) or key in _WRITTEN
        return [(storages[i], written[i]) for i in storages]
