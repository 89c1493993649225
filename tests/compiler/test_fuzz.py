"""Property tests: the checker survives any text (issue 2, item 8).

Sources start from the annotated kernels and catalogue fixtures, then are truncated, have lines deleted
or duplicated, tokens swapped, unicode inserted and line breaks changed. For every result:
`check_source` returns (never raises), every span and every fix edit lies within the text, and applying
all fixes (safe and unsafe) to a fixpoint never raises.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nki_compiler.check import check_source
from nki_compiler.fixer import fix_text
from nki_compiler.frontend.walk import child_nodes, walk

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = sorted([*DATA.glob("kernels/*.py"), *DATA.glob("fixtures/*.py")])
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS]
_TOKEN = re.compile(r"\w+|[^\w\s]")
FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

# Characters that break naive offset arithmetic: astral (UTF-16 pairs), combining, wide, odd breaks.
WEIRD_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            "\U0001f600",
            "é",
            "\u0301",
            "\u4e2d",
            "\x00",
            "\f",
            "\v",
            "\u2028",
            "\r",
            "\t",
            "\\",
            "'",
            '"',
            "#",
            "(",
            ":",
            " ",
        ]
    ),
    min_size=1,
    max_size=4,
)


def _truncate(text: str, data: st.DataObject) -> str:
    return text[: data.draw(st.integers(0, len(text)), label="cut")]


def _delete_line(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    del lines[data.draw(st.integers(0, len(lines) - 1), label="delete")]
    return "".join(lines)


def _duplicate_line(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    index = data.draw(st.integers(0, len(lines) - 1), label="duplicate")
    lines.insert(index, lines[index])
    return "".join(lines)


def _swap_tokens(text: str, data: st.DataObject) -> str:
    tokens = list(_TOKEN.finditer(text))
    if len(tokens) < 2:
        return text
    i, j = sorted(data.draw(st.lists(st.integers(0, len(tokens) - 1), min_size=2, max_size=2), label="swap"))
    a, b = tokens[i], tokens[j]
    if i == j:
        return text
    return text[: a.start()] + b.group() + text[a.end() : b.start()] + a.group() + text[b.end() :]


def _insert_unicode(text: str, data: st.DataObject) -> str:
    at = data.draw(st.integers(0, len(text)), label="at")
    return text[:at] + data.draw(WEIRD_TEXT, label="inserted") + text[at:]


def _crlf(text: str, data: st.DataObject) -> str:
    return text.replace("\n", data.draw(st.sampled_from(["\r\n", "\r"]), label="newline"))


MUTATIONS = [_truncate, _delete_line, _duplicate_line, _swap_tokens, _insert_unicode, _crlf]


@st.composite
def mutated_sources(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEED_TEXTS), label="seed")
    data = draw(st.data())
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4), label="mutations"):
        text = mutation(text, data)
    return text


def _assert_survives(text: str) -> None:
    diagnostics = check_source(text, "fuzzed.py")
    assert isinstance(diagnostics, list)
    for diagnostic in diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text), diagnostic
        for fix in diagnostic.fixes:
            for edit in fix.edits:
                assert 0 <= edit.span.start <= edit.span.end <= len(text), (diagnostic.code, fix.title)
    fixed, _ = fix_text(text, lambda t: check_source(t, "fuzzed.py"), unsafe=True)
    assert isinstance(fixed, str)


@settings(max_examples=60, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(mutated_sources())
def test_checker_survives_mutated_kernels(text: str) -> None:
    _assert_survives(text)


@pytest.mark.slow
@settings(max_examples=1500, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(mutated_sources())
def test_checker_survives_mutated_kernels_long(text: str) -> None:
    _assert_survives(text)


@settings(max_examples=40, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(st.text(max_size=300))
def test_checker_survives_arbitrary_text(text: str) -> None:
    _assert_survives(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02\xff",
        "(" * 300 + ")" * 300,
        "x = " + "-" * 20_000 + "1\n",
        "x = " + "+".join(["1"] * 20_000) + "\n",
        "import nki\n@nki.jit\ndef k(a):\n"
        + "".join("    " * (i + 1) + "if a:\n" for i in range(120))
        + "    " * 121
        + "pass\n",
        "import nki\n@nki.jit\ndef k(a):\n    return " + "[" * 90 + "a" + "]" * 90 + "\n",
    ],
    ids=["empty", "binary", "parens", "unary-chain", "binary-chain", "nested-blocks", "nested-lists"],
)
def test_checker_survives_pathological_sources(text: str) -> None:
    _assert_survives(text)


@settings(max_examples=30, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(mutated_sources())
def test_fast_walk_matches_ast_walk(text: str) -> None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    assert walk(tree) == list(ast.walk(tree))
    for node in walk(tree)[:200]:
        assert child_nodes(node) == list(ast.iter_child_nodes(node))
