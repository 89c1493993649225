from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nki_compiler.source import Encoding, LineIndex, Position, Span

TEXT = "a = 1\nb = 'é😀x'\r\nc\rdone"


def test_line_starts_handle_every_line_break() -> None:
    index = LineIndex(TEXT)
    assert index.line_count == 4
    assert [index.line_text(i) for i in range(4)] == ["a = 1", "b = 'é😀x'", "c", "done"]


@pytest.mark.parametrize(
    ("encoding", "column_of_x"),
    [(Encoding.CODE_POINT, 7), (Encoding.UTF16, 8), (Encoding.UTF8, 11)],
)
def test_columns_per_encoding(encoding: Encoding, column_of_x: int) -> None:
    index = LineIndex(TEXT)
    offset = TEXT.index("x")
    assert index.position(offset, encoding) == Position(1, column_of_x)
    assert index.offset(Position(1, column_of_x), encoding) == offset


def test_positions_past_end_of_line_clamp() -> None:
    index = LineIndex(TEXT)
    assert index.offset(Position(0, 99)) == 5
    assert index.offset(Position(99, 0)) == len(TEXT)


def test_ast_span_converts_utf8_columns() -> None:
    text = "s = 'é😀'; y = 2\n"
    node = ast.parse(text).body[1]
    span = LineIndex(text).span_of_ast(node)
    assert span is not None and text[span.start : span.end] == "y = 2"


def test_span_validation() -> None:
    with pytest.raises(ValueError):
        Span(3, 2)
    assert Span(1, 2).cover(Span(5, 6)) == Span(1, 6)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), st.data())
def test_round_trip_every_encoding(text: str, data: st.DataObject) -> None:
    index = LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    if offset and text[offset - 1] == "\r" and offset < len(text) and text[offset] == "\n":
        offset -= 1  # the middle of a CRLF is not a position
    for encoding in Encoding:
        assert index.offset(index.position(offset, encoding), encoding) == offset
