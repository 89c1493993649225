"""`nki-ls --check`: formats, exit codes, fixes, suppressions (design.md §5)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from nki_ls.cli import build_parser, main, run_check

BAD = """import nki
import nki.language as nl


@nki.jit
def kernel(a):
    import math
    x = {1, 2}  # nki: ignore[NKI014]
    del a  # nki: ignore
    return [i for i in range(2)]
"""


def _run(tmp_path: Path, *args: str, text: str = BAD) -> tuple[int, str]:
    path = tmp_path / "k.py"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    namespace = build_parser().parse_args(["--check", str(path), *args])
    return run_check(namespace, out), out.getvalue()


def test_json_format_is_exactly_the_documented_shape(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--format", "json")
    records = json.loads(output)
    assert code == 1
    assert [r["code"] for r in records] == ["NKI001", "NKI011"]
    first = records[0]
    assert set(first) == {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "message",
        "fixes",
    }
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (7, 5, 7, 16)
    assert first["fixes"][0]["applicability"] == "safe"
    assert set(first["fixes"][0]["edits"][0]) == {"line", "column", "end_line", "end_column", "new_text"}


def test_text_format_has_carets_and_summary(tmp_path: Path) -> None:
    _, output = _run(tmp_path)
    assert "k.py:7:5: error[NKI001] not a valid NKI feature:" in output
    assert "7 |     import math\n  |     ^^^^^^^^^^^" in output
    assert output.rstrip().endswith("Found 2 errors.")


def test_select_and_ignore(tmp_path: Path) -> None:
    _, output = _run(tmp_path, "--format", "json", "--ignore", "NKI001")
    assert [r["code"] for r in json.loads(output)] == ["NKI011"]
    _, output = _run(tmp_path, "--format", "json", "--select", "NKI00")
    assert [r["code"] for r in json.loads(output)] == ["NKI001"]


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    code, output = _run(tmp_path, text="import nki\n\n@nki.jit\ndef k(a):\n    return a\n")
    assert code == 0 and "No problems found." in output


def test_fix_is_applied_and_idempotent(tmp_path: Path) -> None:
    code, _ = _run(tmp_path, "--fix")
    fixed = (tmp_path / "k.py").read_text()
    assert "    import math" not in fixed and fixed.startswith(
        "import nki\nimport nki.language as nl\nimport math\n"
    )
    assert code == 1  # the comprehension has no safe fix
    _run(tmp_path, "--fix")
    assert (tmp_path / "k.py").read_text() == fixed


def test_github_and_sarif_formats(tmp_path: Path) -> None:
    _, output = _run(tmp_path, "--format", "github")
    assert output.startswith("::error file=")
    _, output = _run(tmp_path, "--format", "sarif")
    log = json.loads(output)
    assert log["version"] == "2.1.0"
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["NKI001", "NKI011"]


def test_sarif_validates_against_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0.schema.json"
    if not schema_path.exists():
        pytest.skip("SARIF schema not vendored")
    _, output = _run(tmp_path, "--format", "sarif")
    jsonschema.validate(json.loads(output), json.loads(schema_path.read_text()))


def test_syntax_error_is_a_diagnostic(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--format", "json", text="def broken(:\n")
    records = json.loads(output)
    assert code == 1 and records[0]["code"] == "NKI000"


def test_missing_path_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "/nonexistent/nowhere.py"]) == 2


def test_version_mentions_local_build(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "local build" in capsys.readouterr().out
