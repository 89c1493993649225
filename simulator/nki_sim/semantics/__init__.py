"""Instruction semantics: one function per `nisa` instruction, registered in `SEMANTICS` by its name."""

from __future__ import annotations

from nki_sim.semantics import (  # noqa: F401  (importing registers the instructions)
    accumulating,
    elementwise,
    indexing,
    movement,
    random_numbers,
    reductions,
    scalar_engine,
    tensor_engine,
)
from nki_sim.semantics.registry import SEMANTICS, execute, instruction

__all__ = ["SEMANTICS", "execute", "instruction"]
