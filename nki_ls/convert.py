"""The edge between the compiler's plain data and LSP: the only module that builds `lsprotocol` types.

Spans are code-point offsets into one text; LSP positions count columns in the encoding negotiated
at `initialize` (`positionEncoding`: utf-16 by default, utf-8 or utf-32 when the client offers them).
Fixes travel inside `Diagnostic.data` as ready-made ranges, so code actions never re-run the analysis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from nki_compiler.diagnostics.codes import RULES
from nki_compiler.diagnostics.model import Applicability, Diagnostic, Fix, Severity
from nki_compiler.source import Encoding, LineIndex, Position, Span

SOURCE = "nki"

#: Line index of another file by path (for related locations), or None when it cannot be read.
IndexLookup = Callable[[str], "LineIndex | None"]

_ENCODINGS = {
    types.PositionEncodingKind.Utf8: Encoding.UTF8,
    types.PositionEncodingKind.Utf16: Encoding.UTF16,
    types.PositionEncodingKind.Utf32: Encoding.CODE_POINT,
}
_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def encoding_of(kind: str | None) -> Encoding:
    """The column unit of a negotiated `positionEncoding` (utf-16 when absent or unknown)."""
    for lsp_kind, encoding in _ENCODINGS.items():
        if kind == lsp_kind or kind == lsp_kind.value:
            return encoding
    return Encoding.UTF16


def uri_of(path: str) -> str:
    return from_fs_path(path) or f"file://{path}"


def path_of(uri: str) -> str:
    # No file path holds a NUL (every os call would raise ValueError); keep such URIs as distinct keys.
    return (to_fs_path(uri) or uri).replace("\x00", "\ufffd")


def lsp_position(index: LineIndex, offset: int, encoding: Encoding) -> types.Position:
    position = index.position(offset, encoding)
    return types.Position(line=position.line, character=position.column)


def lsp_range(index: LineIndex, span: Span, encoding: Encoding) -> types.Range:
    return types.Range(
        start=lsp_position(index, span.start, encoding), end=lsp_position(index, span.end, encoding)
    )


def offset_of(index: LineIndex, position: types.Position, encoding: Encoding) -> int:
    return index.offset(Position(position.line, position.character), encoding)


def span_of(index: LineIndex, range_: types.Range, encoding: Encoding) -> Span:
    start = offset_of(index, range_.start, encoding)
    end = offset_of(index, range_.end, encoding)
    return Span(min(start, end), max(start, end))


def lsp_diagnostic(
    diagnostic: Diagnostic,
    index: LineIndex,
    encoding: Encoding,
    indexes: IndexLookup,
    version: int | None = None,
) -> types.Diagnostic:
    """`data` carries the fixes as ready edits for the document `version` they were computed on."""
    rule = RULES.get(diagnostic.code)
    related = []
    for note in diagnostic.notes:
        note_index = index if note.path == diagnostic.path else indexes(note.path)
        if note_index is None:
            continue
        location = types.Location(uri=uri_of(note.path), range=lsp_range(note_index, note.span, encoding))
        related.append(types.DiagnosticRelatedInformation(location=location, message=note.message))
    return types.Diagnostic(
        range=lsp_range(index, diagnostic.span, encoding),
        message=diagnostic.message,
        severity=_SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        related_information=related or None,
        data=_fixes_payload(diagnostic, index, encoding, version),
    )


def _fixes_payload(
    diagnostic: Diagnostic, index: LineIndex, encoding: Encoding, version: int | None
) -> dict[str, Any] | None:
    if not diagnostic.fixes:
        return None
    return {"version": version, "fixes": [fix_data(fix, index, encoding) for fix in diagnostic.fixes]}


def fix_data(fix: Fix, index: LineIndex, encoding: Encoding) -> dict[str, Any]:
    """A fix as JSON-ready data: `{"title", "safe", "edits": [{"range", "newText"}]}`."""
    edits = [
        {"range": _range_json(lsp_range(index, edit.span, encoding)), "newText": edit.new_text}
        for edit in fix.edits
    ]
    return {"title": fix.title, "safe": fix.applicability is Applicability.SAFE, "edits": edits}


def text_edits_of(data: dict[str, Any]) -> list[types.TextEdit] | None:
    """TextEdits of one `fix_data` record as it comes back from a client; None when malformed."""
    try:
        return [
            types.TextEdit(range=_range_from_json(edit["range"]), new_text=str(edit["newText"]))
            for edit in data["edits"]
        ]
    except (KeyError, TypeError, ValueError):
        return None


def fixes_in(diagnostic: types.Diagnostic) -> tuple[list[dict[str, Any]], int | None]:
    """The `fix_data` records carried by a diagnostic that this server published, and their version."""
    data = diagnostic.data
    if diagnostic.source != SOURCE or not isinstance(data, dict):
        return [], None
    fixes = data.get("fixes")
    version = data.get("version")
    if not isinstance(fixes, list):
        return [], None
    usable = [f for f in fixes if isinstance(f, dict) and isinstance(f.get("title"), str)]
    return usable, version if isinstance(version, int) and not isinstance(version, bool) else None


def workspace_edit(uri: str, edits: list[types.TextEdit], version: int | None) -> types.WorkspaceEdit:
    identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    change = types.TextDocumentEdit(text_document=identifier, edits=list(edits))
    return types.WorkspaceEdit(document_changes=[change])


def whole_text_edit(index: LineIndex, new_text: str, encoding: Encoding) -> types.TextEdit:
    return types.TextEdit(range=lsp_range(index, Span(0, len(index.text)), encoding), new_text=new_text)


def _range_json(range_: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": range_.start.line, "character": range_.start.character},
        "end": {"line": range_.end.line, "character": range_.end.character},
    }


def _range_from_json(data: dict[str, Any]) -> types.Range:
    def position(p: dict[str, Any]) -> types.Position:
        line, character = int(p["line"]), int(p["character"])
        if line < 0 or character < 0:
            raise ValueError("negative position")
        return types.Position(line=line, character=character)

    return types.Range(start=position(data["start"]), end=position(data["end"]))


def lines_overlap(a: types.Range, b: types.Range) -> bool:
    """True when the two ranges share a line (a cursor anywhere on a diagnostic's line selects it)."""
    return a.start.line <= b.end.line and b.start.line <= a.end.line
