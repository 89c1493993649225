"""NumPy simulator of NKI 0.6 (nki-api.md §2.2, design.md §7).

`Machine` holds the state (HBM, per-core SBUF/PSUM, registers, accumulators, RNG); `execute(core, opcode,
**operands)` runs one `nisa` instruction from the `SEMANTICS` dispatch table on views made by `make_view`.
"""

from __future__ import annotations

from nki_sim.errors import OutOfBoundsError, SimulationError, SimulationWarning
from nki_sim.machine import Core, Machine
from nki_sim.run import run  # the function shadows the submodule: `nki_sim.run(program, inputs)`
from nki_sim.semantics import SEMANTICS, execute
from nki_sim.views import Storage, TensorView, make_view

__all__ = [
    "Machine", "Core", "Storage", "TensorView", "make_view", "SEMANTICS", "execute",
    "SimulationError", "OutOfBoundsError", "SimulationWarning", "run",
]  # fmt: skip
