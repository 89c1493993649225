"""Errors raised while simulating: every one names the instruction (opcode) and the rule it broke."""

from __future__ import annotations

__all__ = ["SimulationError", "OutOfBoundsError", "SimulationWarning"]


class SimulationError(Exception):
    """An instruction's operands violate a rule of nki-api.md (§4 per instruction, §6 validator rules).

    `opcode` is the `nisa` function name, `rule` a short citation of the violated rule. The glue that runs
    a program adds the kernel source line (`location`) before showing the error.
    """

    def __init__(self, opcode: str, message: str, rule: str, location: str | None = None) -> None:
        self.opcode = opcode
        self.message = message
        self.rule = rule
        self.location = location
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.opcode}: {self.message} [rule: {self.rule}]"

    def at(self, location: str) -> SimulationError:
        """Attach the kernel source location (e.g. `kernel.py:12`) and return self."""
        self.location = location
        self.args = (self._text(),)
        return self


class OutOfBoundsError(SimulationError, IndexError):
    """An access pattern reaches outside the storage of its tensor."""


class SimulationWarning(UserWarning):
    """Behaviour that is undefined on hardware but simulated anyway (e.g. accumulating onto fresh PSUM)."""
