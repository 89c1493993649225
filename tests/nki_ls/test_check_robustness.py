"""`nki-ls --check` never crashes: bad files are diagnostics, our own defects are isolated per file.

Policy (design.md §5 exit codes): a crash inside one check is caught, reported on stderr with the
version, and the other checks and files still run. Exit 1 when the code has errors; otherwise exit 2
when an internal error happened; otherwise 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from nki_compiler.check import CheckConfig, InternalError, check_paths
from nki_compiler.frontend import parse as parse_module
from nki_compiler.frontend.checks.base import MODULE_CHECKS, ModuleContext
from nki_ls.cli import main

CLEAN = "import nki\n\n\n@nki.jit\ndef kernel(a):\n    return a\n"
WITH_ERROR = "import nki\n\n\n@nki.jit\ndef kernel(a):\n    import math\n    return a\n"


@pytest.fixture
def crashing_check() -> Iterator[None]:
    """A module check with a defect that fires on files containing `CRASH-ME`."""

    def defective_check(ctx: ModuleContext) -> None:
        if "CRASH-ME" in ctx.module.source.text:
            raise RuntimeError("defective check")

    MODULE_CHECKS.append(defective_check)
    try:
        yield
    finally:
        MODULE_CHECKS.remove(defective_check)


def _check(paths: list[Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:  # type: ignore[type-arg]
    code = main(["--check", *map(str, paths), "--format", "json", "--jobs", "1"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_internal_error_alone_exits_2_with_version(
    tmp_path: Path, crashing_check: None, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text(CLEAN + "# CRASH-ME\n")
    code, records, err = _check([broken], capsys)
    assert code == 2 and records == []
    assert "internal error in" in err and "broken.py" in err and "RuntimeError: defective check" in err
    assert "local build" in err  # the version line


def test_errors_in_code_win_over_internal_errors(
    tmp_path: Path, crashing_check: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a_broken.py").write_text(WITH_ERROR + "# CRASH-ME\n")
    (tmp_path / "b_bad.py").write_text(WITH_ERROR)
    code, records, err = _check([tmp_path], capsys)
    assert code == 1
    # the crash of one module check loses neither the other checks of that file nor the other file
    assert [(Path(r["path"]).name, r["code"]) for r in records] == [
        ("a_broken.py", "NKI001"),
        ("b_bad.py", "NKI001"),
    ]
    assert err.count("internal error in") == 1


def test_api_collects_or_propagates(tmp_path: Path, crashing_check: None) -> None:
    (tmp_path / "k.py").write_text(CLEAN + "# CRASH-ME\n")
    errors: list[InternalError] = []
    assert check_paths([tmp_path], errors=errors) and len(errors) == 1
    with pytest.raises(RuntimeError):
        check_paths([tmp_path])


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\xfe\xff" * 64,
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        ("x = " + "(" * 1000 + ")" * 1000 + "\n").encode(),
        ("x = " + "-" * 50_000 + "1\n").encode(),
        "caf\u00e9 = '\U0001f600'\n".encode("utf-16"),
    ],
    ids=["nul-bytes", "png", "deep-parens", "deep-unary", "utf16"],
)
def test_junk_files_are_diagnostics(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.py"
    junk.write_bytes(content)
    code, records, err = _check([junk], capsys)
    assert err == ""
    assert code in (0, 1)
    assert all(r["code"] == "NKI000" for r in records)


def test_huge_file_is_a_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(parse_module, "MAX_SOURCE_CHARS", 1000)
    huge = tmp_path / "huge.py"
    huge.write_text("x = 1\n" * 1000)
    code, records, _ = _check([huge], capsys)
    assert code == 1
    assert [r["code"] for r in records] == ["NKI000"] and "too large" in records[0]["message"]


def test_parallel_result_equals_serial(tmp_path: Path) -> None:
    """Kernels in many files reach helpers in other files: chunks must be merged, not guessed."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("def helper(x):\n    import math\n    return x\n")
    for i in range(80):
        body = "    return helper(a)\n" if i % 7 == 0 else "    return {1, 2}\n"
        (package / f"k{i:02d}.py").write_text(
            f"import nki\nfrom pkg.helpers import helper\n\n\n@nki.jit\ndef k{i}(a):\n{body}"
        )
    (tmp_path / "zz_last.py").write_text(
        "import nki\nfrom pkg.helpers import helper\n\n\n@nki.jit\ndef z(a):\n    return helper(a)\n"
    )
    serial = check_paths([tmp_path], CheckConfig(jobs=1))
    parallel = check_paths([tmp_path], CheckConfig(jobs=2))
    assert list(parallel) == list(serial)
    assert parallel == serial
    assert any(d.notes for d in serial[str((package / "helpers.py").resolve())])
