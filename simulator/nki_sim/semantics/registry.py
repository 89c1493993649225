"""The dispatch table: one function per `nisa` instruction, keyed by the `nisa` function name."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from nki_sim.errors import SimulationError
from nki_sim.machine import Core
from nki_sim.semantics.common import check_partitions
from nki_sim.views import TensorView

__all__ = ["SEMANTICS", "PREPARED", "Work", "instruction", "prepared", "execute", "bind"]

Semantics = Callable[..., None]
#: `work(core, tensors)`: an instruction's computation; `tensors` maps operand names to this run's views.
Work = Callable[[Core, dict[str, Any]], None]
Prepare = Callable[..., Work]

#: opcode (= `nisa` function name) -> semantics `fn(core, **operands)`.
SEMANTICS: dict[str, Semantics] = {}
#: opcode -> `prepare(core, **operands) -> work`: the instructions written in two steps (see `prepared`).
PREPARED: dict[str, Prepare] = {}


def instruction(fn: Semantics) -> Semantics:
    """Register `fn` under its own name (which must be the `nisa` function name)."""
    SEMANTICS[fn.__name__] = fn
    return fn


def prepared(prepare: Prepare) -> Semantics:
    """Register an instruction written in two steps: `prepare(core, **operands)` does every check and
    decision and returns `work(core, tensors)`, the computation. The simulator keeps `work` per instruction of
    a program and calls it in every later run with that run's core and views, so `prepare` may look only at
    what is the same in every run: constants, the views' shapes, strides, dtypes and buffers, the core's
    generation and precision; it must not warn or touch memory. `work` takes memory, accumulators and the
    views' arrays from its arguments and runs with floating-point errors ignored (the engines saturate or
    make inf/NaN)."""

    @functools.wraps(prepare)
    def semantics(core: Core, **operands: Any) -> None:
        prepare(core, **operands)(core, _tensors(operands))  # `execute` ignores floating-point errors

    PREPARED[prepare.__name__] = prepare
    return instruction(semantics)


def execute(core: Core, opcode: str, **operands: Any) -> None:
    """Run one instruction on `core` in program order. Operand names are the `nki.isa` parameter names;
    `name=` (the profiler label) is accepted and ignored. Floating-point errors are ignored: the engines
    saturate or make inf/NaN, nothing traps (the semantics themselves do not set NumPy's error state)."""
    fn = _checked(opcode, operands)
    with np.errstate(all="ignore"):
        fn(core, **operands)
    core.executed += 1


def bind(core: Core, opcode: str, operands: dict[str, Any]) -> Work:
    """`execute(core, opcode, **operands)` in two steps: the checks now (a `@prepared` instruction's own too),
    then `work(core, tensors)` for these operands or any with the same constants and the same layout of
    views (see `prepared`). `work` expects floating-point errors ignored, and does not count the instruction
    in `core.executed`."""
    fn = _checked(opcode, operands)
    prepare = PREPARED.get(opcode)
    if prepare is not None:
        return prepare(core, **operands)
    return functools.partial(_call, fn, {k: v for k, v in operands.items() if not isinstance(v, TensorView)})


def _call(fn: Semantics, constants: dict[str, Any], core: Core, tensors: dict[str, Any]) -> None:
    fn(core, **constants, **tensors)


def _tensors(operands: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in operands.items() if isinstance(v, TensorView)}


def _checked(opcode: str, operands: dict[str, Any]) -> Semantics:
    """The semantics of `opcode` after the checks of its operands that do not depend on the instruction."""
    fn = SEMANTICS.get(opcode)
    if fn is None:
        raise SimulationError(opcode, "no such instruction in the simulator", "§4 nki.isa instructions")
    operands.pop("name", None)
    _check_parameters(opcode, fn, operands)
    check_partitions(opcode, operands)
    return fn


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
