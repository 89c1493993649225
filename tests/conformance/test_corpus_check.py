"""Every NKI >= 0.2 (B2) kernel file of the corpus checks with zero errors (no false positives)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nki_compiler.check import CheckConfig, check_paths
from nki_compiler.diagnostics.model import Severity
from tests.helpers.corpus import KNOWN_SYNTAX_ERRORS, locate, manifest


def test_b2_files_have_no_errors(corpus: Path) -> None:
    entries = [e for e in manifest(corpus) if e.style == "B2"]
    assert len(entries) > 50, "MANIFEST parsing found too few B2 files"
    failures = []
    for entry in entries:
        path = locate(corpus, entry)
        if path is None:
            failures.append(f"{entry.relative}: listed in MANIFEST but not found")
            continue
        diagnostics = next(iter(check_paths([path], CheckConfig()).values()))
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        if entry.relative in KNOWN_SYNTAX_ERRORS:
            if [d.code for d in errors] != ["NKI000"]:
                failures.append(
                    f"{entry.relative}: expected exactly one syntax error, got {[d.code for d in errors]}"
                )
            continue
        failures += [f"{entry.relative}:{d.span.start}: {d.code} {d.message}" for d in errors]
    assert not failures, "\n".join(failures[:50])


def test_known_broken_files_report_syntax_error(corpus: Path) -> None:
    for relative in KNOWN_SYNTAX_ERRORS:
        path = corpus / relative
        if not path.exists():
            pytest.skip(f"{relative} not in this corpus half")
        diagnostics = next(iter(check_paths([path]).values()))
        assert [d.code for d in diagnostics if d.severity is Severity.ERROR] == ["NKI000"]
