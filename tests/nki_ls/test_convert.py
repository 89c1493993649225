"""`nki_ls.convert`: spans <-> LSP ranges in every negotiated encoding, diagnostics with fix data."""

from __future__ import annotations

import pytest
from lsprotocol import types

from nki_compiler.diagnostics.model import Applicability, Diagnostic, Edit, Fix, Note, Severity
from nki_compiler.source import Encoding, LineIndex, Span
from nki_ls import convert

# Line 1 holds a 2-byte (é), a 3-byte (€) and a 4-byte / 2-UTF-16-unit (𝔸) character before `x`.
TEXT = "a = 1\ns = 'é€𝔸'; x = 2\r\nlast"
X = TEXT.index("x")


@pytest.mark.parametrize(
    ("kind", "encoding", "column"),
    [
        ("utf-32", Encoding.CODE_POINT, len("s = 'é€𝔸'; ")),
        ("utf-16", Encoding.UTF16, len("s = 'é€𝔸'; ") + 1),
        ("utf-8", Encoding.UTF8, len("s = 'é€𝔸'; ".encode())),
    ],
)
def test_position_round_trip_in_each_encoding(kind: str, encoding: Encoding, column: int) -> None:
    assert convert.encoding_of(kind) is encoding
    index = LineIndex(TEXT)
    position = convert.lsp_position(index, X, encoding)
    assert (position.line, position.character) == (1, column)
    assert convert.offset_of(index, position, encoding) == X
    range_ = convert.lsp_range(index, Span(X, X + 1), encoding)
    assert convert.span_of(index, range_, encoding) == Span(X, X + 1)


def test_unknown_or_missing_encoding_means_utf16() -> None:
    assert convert.encoding_of(None) is Encoding.UTF16
    assert convert.encoding_of("utf-7") is Encoding.UTF16
    assert convert.encoding_of(types.PositionEncodingKind.Utf8) is Encoding.UTF8


def test_positions_past_the_end_clamp() -> None:
    index = LineIndex(TEXT)
    beyond = types.Position(line=0, character=99)
    assert convert.offset_of(index, beyond, Encoding.UTF16) == TEXT.index("\n")
    assert convert.offset_of(index, types.Position(line=50, character=0), Encoding.UTF8) == len(TEXT)


def test_after_crlf_line_break() -> None:
    index = LineIndex(TEXT)
    position = convert.lsp_position(index, TEXT.index("last"), Encoding.UTF16)
    assert (position.line, position.character) == (2, 0)


def _diagnostic() -> Diagnostic:
    fix = Fix("Remove it", (Edit(Span(X, X + 1), "y"),), Applicability.SAFE)
    unsafe = Fix("Rewrite (check the dtype)", (Edit(Span(0, 1), "b"),), Applicability.UNSAFE)
    note = Note("called from here", "/tmp/other.py", Span(0, 3))
    return Diagnostic("NKI005", Severity.ERROR, "msg", "/tmp/k.py", Span(X, X + 1), (note,), (fix, unsafe))


def test_diagnostic_carries_code_link_notes_and_fixes() -> None:
    index = LineIndex(TEXT)
    other = LineIndex("ü = 1\n")
    lsp = convert.lsp_diagnostic(_diagnostic(), index, Encoding.UTF16, lambda p: other, version=7)
    assert lsp.code == "NKI005" and lsp.source == "nki"
    assert lsp.severity == types.DiagnosticSeverity.Error
    assert lsp.code_description and lsp.code_description.href.endswith("#nki005")
    assert lsp.related_information and lsp.related_information[0].location.uri == "file:///tmp/other.py"
    assert lsp.related_information[0].location.range.end.character == 3
    fixes, version = convert.fixes_in(lsp)
    assert version == 7
    assert [(f["title"], f["safe"]) for f in fixes] == [
        ("Remove it", True),
        ("Rewrite (check the dtype)", False),
    ]
    edits = convert.text_edits_of(fixes[0])
    assert edits and edits[0].new_text == "y" and edits[0].range == lsp.range


def test_notes_in_unreadable_files_are_dropped() -> None:
    lsp = convert.lsp_diagnostic(_diagnostic(), LineIndex(TEXT), Encoding.UTF8, lambda p: None)
    assert lsp.related_information is None


@pytest.mark.parametrize(
    "data",
    [None, "junk", {"fixes": "x"}, {"fixes": [{"title": 3}]}],
)
def test_foreign_or_malformed_data_yields_no_fixes(data: object) -> None:
    diagnostic = types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 1)),
        message="m",
        source="nki",
        data=data,
    )
    assert convert.fixes_in(diagnostic) == ([], None)


def test_malformed_edit_records_are_rejected() -> None:
    assert convert.text_edits_of({"edits": [{"range": {"start": {"line": -1, "character": 0}}}]}) is None
    assert convert.text_edits_of({"edits": "nope"}) is None
