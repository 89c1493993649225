"""Diagnostics as frozen data: what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from nki_compiler.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFORMATION: 2, Severity.HINT: 3}


class Applicability(str, Enum):
    """`safe` fixes keep the program's meaning and may be applied in bulk; `unsafe` ones need review."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text of `span` (in the diagnostic's file) with `new_text`."""

    span: Span
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Note:
    """A related location, e.g. one link of the call chain that puts a helper in kernel scope."""

    message: str
    path: str
    span: Span


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    path: str
    span: Span
    notes: tuple[Note, ...] = ()
    fixes: tuple[Fix, ...] = ()
    data: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.start, self.span.end, self.code)
