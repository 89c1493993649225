"""The dispatch table: one function per `nisa` instruction, keyed by the `nisa` function name."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from nki_sim.errors import SimulationError
from nki_sim.machine import Core
from nki_sim.semantics.common import check_partitions

__all__ = ["SEMANTICS", "instruction", "execute"]

Semantics = Callable[..., None]

#: opcode (= `nisa` function name) -> semantics `fn(core, **operands)`.
SEMANTICS: dict[str, Semantics] = {}


def instruction(fn: Semantics) -> Semantics:
    """Register `fn` under its own name (which must be the `nisa` function name)."""
    SEMANTICS[fn.__name__] = fn
    return fn


def execute(core: Core, opcode: str, **operands: Any) -> None:
    """Run one instruction on `core` in program order. Operand names are the `nki.isa` parameter names;
    `name=` (the profiler label) is accepted and ignored."""
    fn = SEMANTICS.get(opcode)
    if fn is None:
        raise SimulationError(opcode, "no such instruction in the simulator", "§4 nki.isa instructions")
    operands.pop("name", None)
    _check_parameters(opcode, fn, operands)
    check_partitions(opcode, operands)
    fn(core, **operands)
    core.executed += 1


@functools.cache
def _parameters(fn: Semantics) -> tuple[frozenset[str], tuple[str, ...]]:
    """(every operand name, the required ones) of a semantics function (after `core`)."""
    parameters = list(inspect.signature(fn).parameters.items())[1:]
    required = tuple(n for n, p in parameters if p.default is inspect.Parameter.empty)
    return frozenset(n for n, _ in parameters), required


def _check_parameters(opcode: str, fn: Semantics, operands: dict[str, Any]) -> None:
    names, required = _parameters(fn)
    if not names.issuperset(operands):
        unknown = sorted(set(operands) - names)
        raise SimulationError(
            opcode, f"unexpected operand(s) {', '.join(unknown)}", "§4 instruction signature"
        )
    missing = [n for n in required if n not in operands]
    if missing:
        raise SimulationError(opcode, f"missing operand(s) {', '.join(missing)}", "§4 instruction signature")
