"""Source text, spans and position conversion.

Spans are half-open ranges of *code-point offsets* into the text (Python's own string indexing).
`LineIndex` converts between offsets and (line, column) pairs where the column may be counted in
code points (CLI, JSON), UTF-16 code units (LSP default) or UTF-8 bytes (Python's `ast` column
offsets, LSP `utf-8`). Lines are 0-based here; presentation layers add 1 where their format says so.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import Enum

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Encoding(str, Enum):
    """Unit in which a column is counted."""

    CODE_POINT = "utf-32"
    UTF16 = "utf-16"
    UTF8 = "utf-8"


@dataclass(frozen=True, order=True)
class Span:
    """Half-open range [start, end) of code-point offsets into a source text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span {self.start}..{self.end}")

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end or self.start == offset == self.end

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


@dataclass(frozen=True, order=True)
class Position:
    """0-based line and column (column counted in the unit the caller asked for)."""

    line: int
    column: int


def _unit_length(ch: str, encoding: Encoding) -> int:
    if encoding is Encoding.CODE_POINT:
        return 1
    cp = ord(ch)
    if encoding is Encoding.UTF16:
        return 2 if cp > 0xFFFF else 1
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


class LineIndex:
    """Offset <-> (line, column) conversion for one text. Line breaks: \\n, \\r\\n, \\r."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def line_text(self, line: int) -> str:
        """Text of a line without its line break."""
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def position(self, offset: int, encoding: Encoding = Encoding.CODE_POINT) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self.line_starts[line]
        if encoding is Encoding.CODE_POINT:
            return Position(line, offset - start)
        column = sum(_unit_length(ch, encoding) for ch in self.text[start:offset])
        return Position(line, column)

    def offset(self, position: Position, encoding: Encoding = Encoding.CODE_POINT) -> int:
        """Offset of a position; columns past the end of the line clamp to it (as LSP requires)."""
        if position.line < 0:
            return 0
        if position.line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[position.line]
        line = self.line_text(position.line)
        if encoding is Encoding.CODE_POINT or line.isascii():
            return start + min(max(position.column, 0), len(line))
        units = 0
        for index, ch in enumerate(line):
            if units >= position.column:
                return start + index
            units += _unit_length(ch, encoding)
        return start + len(line)

    def span_of_ast(self, node: object) -> Span | None:
        """Span of an `ast` node (its columns are UTF-8 byte offsets), or None if it has no location."""
        lineno = getattr(node, "lineno", None)
        col = getattr(node, "col_offset", None)
        if lineno is None or col is None:
            return None
        end_lineno = getattr(node, "end_lineno", None) or lineno
        end_col = getattr(node, "end_col_offset", None)
        start = self.offset(Position(lineno - 1, col), Encoding.UTF8)
        if end_col is None:
            return Span(start, start)
        end = self.offset(Position(end_lineno - 1, end_col), Encoding.UTF8)
        return Span(start, max(start, end))


@dataclass
class SourceFile:
    """A named text with its line index, built lazily."""

    path: str
    text: str
    _index: LineIndex | None = None

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index
