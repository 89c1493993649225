"""Presentation of diagnostics: caret snippets (text), JSON records, GitHub annotations.

Lines and columns in every output format are 1-based; columns count characters (code points).
"""

from __future__ import annotations

import os
from typing import Any

from nki_compiler.diagnostics.model import Diagnostic, Edit
from nki_compiler.source import LineIndex, Span


def location(index: LineIndex, span: Span) -> tuple[int, int, int, int]:
    start, end = index.position(span.start), index.position(span.end)
    return start.line + 1, start.column + 1, end.line + 1, end.column + 1


def text(diagnostic: Diagnostic, index: LineIndex, display_path: str, show_fixes: bool = False) -> str:
    line, column, end_line, end_column = location(index, diagnostic.span)
    header = (
        f"{display_path}:{line}:{column}: {diagnostic.severity.value}[{diagnostic.code}] {diagnostic.message}"
    )
    out = [header, *_snippet(index, diagnostic.span)]
    for note in diagnostic.notes:
        out.append(
            f"  note: {note.message} ({_relative(note.path)}:{_note_line(note.path, note.span, index, display_path)})"
        )
    for fix in diagnostic.fixes if show_fixes else ():
        out.append(f"  fix ({fix.applicability.value}): {fix.title}")
        for edit in fix.edits:
            l1, c1, _, _ = location(index, edit.span)
            out.append(f"    at {l1}:{c1}: replace with {edit.new_text!r}")
    return "\n".join(out)


def _relative(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def _note_line(path: str, span: Span, index: LineIndex, display_path: str) -> str:
    try:
        text_of_note = open(path, encoding="utf-8", errors="replace").read()  # noqa: SIM115
        note_index = LineIndex(text_of_note)
    except OSError:
        note_index = index
    position = note_index.position(span.start)
    return f"{position.line + 1}:{position.column + 1}"


def _snippet(index: LineIndex, span: Span) -> list[str]:
    start, end = index.position(span.start), index.position(span.end)
    source_line = index.line_text(start.line)
    gutter = str(start.line + 1)
    pad = " " * len(gutter)
    last = end.column if end.line == start.line else len(source_line)
    width = max(1, last - start.column)
    return [f"{pad} |", f"{gutter} | {source_line}", f"{pad} | {' ' * start.column}{'^' * width}"]


def edit_record(edit: Edit, index: LineIndex) -> dict[str, Any]:
    line, column, end_line, end_column = location(index, edit.span)
    return {
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "new_text": edit.new_text,
    }


def json_record(diagnostic: Diagnostic, index: LineIndex, display_path: str) -> dict[str, Any]:
    line, column, end_line, end_column = location(index, diagnostic.span)
    return {
        "path": display_path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "fixes": [
            {
                "title": fix.title,
                "applicability": fix.applicability.value,
                "edits": [edit_record(e, index) for e in fix.edits],
            }
            for fix in diagnostic.fixes
        ],
    }


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


def github(diagnostic: Diagnostic, index: LineIndex, display_path: str) -> str:
    line, column, end_line, end_column = location(index, diagnostic.span)
    message = diagnostic.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    level = _GITHUB_LEVEL[diagnostic.severity.value]
    return (
        f"::{level} file={display_path},line={line},col={column},endLine={end_line},endColumn={end_column},"
        f"title={diagnostic.code}::{message}"
    )
