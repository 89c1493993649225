"""Parse source text into an AST; a syntax error becomes a diagnostic, never an exception."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.source import Encoding, Position, SourceFile, Span


@dataclass(frozen=True)
class ParseResult:
    tree: ast.Module | None
    diagnostics: tuple[Diagnostic, ...]


#: Beyond this a file is generated data, not a kernel; parsing it could take minutes and gigabytes.
MAX_SOURCE_CHARS = 8_000_000


def parse(source: SourceFile) -> ParseResult:
    if len(source.text) > MAX_SOURCE_CHARS:
        detail = (
            f"file too large to analyse ({len(source.text):,} characters; the limit is {MAX_SOURCE_CHARS:,})"
        )
        return ParseResult(None, (_whole_file_diagnostic(source, detail),))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc. are not ours to report
            tree = ast.parse(source.text, filename=source.path, type_comments=False)
    except SyntaxError as error:
        return ParseResult(None, (_syntax_diagnostic(source, error),))
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
        return ParseResult(None, (_whole_file_diagnostic(source, str(error) or type(error).__name__),))
    return ParseResult(tree, ())


def _whole_file_diagnostic(source: SourceFile, detail: str) -> Diagnostic:
    r = rule("NKI000")
    return Diagnostic(r.code, r.severity, r.format(detail=detail), source.path, Span(0, 0))  # type: ignore[arg-type]


def _syntax_diagnostic(source: SourceFile, error: SyntaxError) -> Diagnostic:
    index = source.index
    line = max((error.lineno or 1) - 1, 0)
    # SyntaxError.offset is a 1-based code-point column (CPython converts from bytes for us).
    column = max((error.offset or 1) - 1, 0)
    start = index.offset(Position(line, column), Encoding.CODE_POINT)
    end = start
    if (
        error.end_lineno
        and error.end_offset
        and (error.end_lineno, error.end_offset) > (line + 1, column + 1)
    ):
        end = index.offset(Position(error.end_lineno - 1, error.end_offset - 1), Encoding.CODE_POINT)
    if end == start and start < len(source.text) and source.text[start] not in "\r\n":
        end = start + 1
    r = rule("NKI000")
    message = r.format(detail=error.msg)
    return Diagnostic(r.code, r.severity, message, source.path, Span(start, end))  # type: ignore[arg-type]
