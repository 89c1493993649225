"""`test.utils.scripts.remote_lock_scripts`: the NeuronCore lock helper that nki-library's harness copies
to remote Trainium hosts (absent from the corpus). Simulation reserves no remote cores; only the names the
harness imports are provided: the lock states and the result record."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any


class LockStatus(enum.Enum):
    ALLOCATED = 0
    NO_CORES = 1
    DRAINING = 2
    RELEASED = 3
    DRAINED = 4
    UNDRAINED = 5
    FLOCK_TIMEOUT = 6
    ERROR = 7

    @property
    def exit_code(self) -> int:
        return int(self.value)

    @classmethod
    def from_exit_code(cls, code: int) -> LockStatus:
        return next((status for status in cls if status.value == code), cls.ERROR)


@dataclass
class LockResult:
    status: LockStatus
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str) -> LockResult:
        data = json.loads(text)
        return cls(LockStatus[data.get("status", "ERROR")], data)
