"""NKI5xx migrations: fixes applied to a fixpoint match golden text, are idempotent and leave no fixable
diagnostic behind; `nki-ls --diff` prints the patch; Beta-1 corpus files get a diagnostic for every
legacy construct they contain (syntactic census); B2 files stay error-free (test_corpus_check.py).

Run with `--update` to rewrite the goldens in tests/data/migration/ (review the diff!).
"""

from __future__ import annotations

import ast
import io
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from nki_compiler.check import CheckConfig, check_paths, check_source
from nki_compiler.fixer import fix_text
from nki_ls.cli import build_parser, run_check
from tests.helpers.corpus import KNOWN_SYNTAX_ERRORS, locate, manifest

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = sorted((DATA / "kernels").glob("migration_*.py")) + sorted((DATA / "migration").glob("*.py"))
#: Opt-in migration codes are enabled here so that their fixes are covered too.
CONFIG = CheckConfig(select=("NKI", "NKI546"))


def _check(path: Path):  # type: ignore[no-untyped-def]
    return lambda text: check_source(text, str(path), CONFIG)


def _golden(path: Path) -> Path:
    return DATA / "migration" / f"{path.stem}.fixed"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixed_text_matches_golden(path: Path, update: bool) -> None:
    text = path.read_text(encoding="utf-8")
    fixed, applied = fix_text(text, _check(path), unsafe=True)
    assert applied, "a migration case without any applicable fix"
    golden = _golden(path)
    if update:
        golden.write_text(fixed, encoding="utf-8")
    assert golden.exists(), f"missing golden {golden.name}: run with --update"
    assert fixed == golden.read_text(encoding="utf-8")
    ast.parse(fixed)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixes_are_idempotent_and_leave_no_fixable_code(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    before = _check(path)(text)
    fixed, _ = fix_text(text, _check(path), unsafe=True)
    again, applied = fix_text(fixed, _check(path), unsafe=True)
    assert again == fixed and not applied
    after = _check(path)(fixed)
    assert not [d for d in after if d.fixes], "fixpoint left fixable diagnostics"
    unfixable = Counter(d.code for d in before if not d.fixes)
    for code in {d.code for d in before if d.fixes and d.code.startswith("NKI5")}:
        remaining = sum(1 for d in after if d.code == code)
        assert remaining <= unfixable[code], f"{code} remains after its fixes were applied"


def test_safe_fixes_only_apply_safe_rewrites(tmp_path: Path) -> None:
    source = DATA / "migration" / "b1_style.py"
    text = source.read_text(encoding="utf-8")
    safe, applied = fix_text(text, _check(source), unsafe=False)
    codes = {code for code, _ in applied}
    assert {"NKI537", "NKI503", "NKI501"} <= codes
    assert not codes & {"NKI540", "NKI401", "NKI546"}, "unsafe rewrites applied without --unsafe-fixes"
    assert "for i in nl.dynamic_range(n):" not in safe and "for j in nl.dynamic_range(n):" in safe


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_check(build_parser().parse_args(list(argv)), out)
    return code, out.getvalue()


def test_cli_diff_writes_nothing_and_fix_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "kernel.py"
    shutil.copy(DATA / "migration" / "b1_style.py", target)
    original = target.read_text(encoding="utf-8")
    code, diff = _cli("--check", str(target), "--diff", "--unsafe-fixes")
    assert code == 1 and target.read_text(encoding="utf-8") == original
    assert "-import neuronxcc.nki.language as nl" in diff and "+import nki.language as nl" in diff
    _cli("--check", str(target), "--fix", "--unsafe-fixes")
    migrated = target.read_text(encoding="utf-8")
    assert migrated != original and "neuronxcc" not in migrated
    _cli("--check", str(target), "--fix", "--unsafe-fixes")
    assert target.read_text(encoding="utf-8") == migrated
    code, diff = _cli("--check", str(target), "--diff", "--unsafe-fixes")
    assert code == 0 and diff == ""


# ---- corpus: every legacy construct of a Beta-1 file is reported ---------------------------------

CENSUS = {
    "NKI537": re.compile(r"^\s*(import neuronxcc\.nki|from neuronxcc(\.nki)? import)", re.M),
    "NKI539": re.compile(r"\bnl\.(arange|mgrid)\b"),
    "NKI547": re.compile(r"\bnl\.par_dim\("),
    "NKI503": re.compile(r"\bnl\.affine_range\("),
    "NKI504": re.compile(r"\bnl\.sequential_range\("),
    "NKI505": re.compile(r"\bnl\.static_range\("),
    "NKI501": re.compile(r"\bin nl\.dynamic_range\("),
    "NKI558": re.compile(r"\bnki\.(baremetal|benchmark|profile|simulate_kernel)\b"),
}


def _census(text: str) -> set[str]:
    code_only = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    found = {code for code, pattern in CENSUS.items() if pattern.search(code_only)}
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(k.arg == "mask" for k in node.keywords):
            if ast.unparse(node.func).startswith(("nl.", "nisa.")):
                found.add("NKI540")
    return found


@pytest.mark.corpus
def test_b1_files_report_every_legacy_construct(corpus: Path) -> None:
    entries = [e for e in manifest(corpus) if e.style == "B1" and e.relative not in KNOWN_SYNTAX_ERRORS]
    assert len(entries) > 20
    failures = []
    for entry in entries:
        path = locate(corpus, entry)
        if path is None:
            continue
        expected = _census(path.read_text(encoding="utf-8"))
        reported = {d.code for d in next(iter(check_paths([path], CheckConfig()).values()))}
        if expected - reported:
            failures.append(
                f"{entry.relative}: census {sorted(expected)} but missing {sorted(expected - reported)}"
            )
    assert not failures, "\n".join(failures)
