"""The catalogue's minimal fixtures (tests/data/fixtures, from nki-language-rules.md §4).

bad: the fixture's code is reported on each `# <--` line. good: the code is reported nowhere.
Codes no check emits yet are skipped, so the suite shows what remains to be implemented.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from nki_compiler.check import check_source
from tests.helpers.annotations import actual_lines, parse_annotations
from tests.helpers.implemented import implemented_codes

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "data" / "fixtures").glob("NKI*.py"))


def _code(path: Path) -> str:
    return path.name[:6]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    code = _code(path)
    if code not in implemented_codes():
        pytest.skip(f"{code} is not implemented yet")
    if code == "NKI024" and sys.version_info < (3, 12):
        pytest.skip("`type` statements parse only on Python >= 3.12")
    text = path.read_text(encoding="utf-8")
    expectations = parse_annotations(text)
    actual = actual_lines(text, check_source(text, str(path), expectations.config))
    if "_bad" in path.name:
        wanted = {(line, c) for line, c in expectations.lines if c == code}
        assert wanted, "bad fixture without a `# <--` marker for its code"
        assert wanted <= actual, f"expected {sorted(wanted)}, got {sorted(actual)}"
    else:
        assert not {a for a in actual if a[1] == code}, f"good fixture reports {code}: {sorted(actual)}"


def test_every_fixture_names_a_catalogued_code() -> None:
    from nki_compiler.diagnostics.codes import RULES

    assert FIXTURES
    for path in FIXTURES:
        assert re.match(r"NKI\d{3}_(bad|good)", path.name)
        assert _code(path) in RULES
