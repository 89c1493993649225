"""docs/migration.md is the output of `python -m tests.conformance.migration_report` on the corpus: the
per-row migration status (fixes, re-check, simulated and matching kernels, what the user must still do)
stays true. Run with `--update` to rewrite the page (review the diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.migration_report import PAGE, cases_by_file, render, statuses
from tests.helpers.corpus import locate, manifest

pytestmark = pytest.mark.corpus


def test_migration_page_is_current(corpus: Path, update: bool) -> None:
    rows = list(statuses(corpus))
    assert len(rows) >= 30, "the MANIFEST lists at least 30 Beta-1 rows with references"
    page = render(rows)
    if update:
        PAGE.write_text(page, encoding="utf-8")
    assert PAGE.is_file(), (
        "docs/migration.md is missing: python -m tests.conformance.migration_report --write"
    )
    assert PAGE.read_text(encoding="utf-8") == page, (
        "docs/migration.md is stale: python -m tests.conformance.migration_report --write (review the diff)"
    )


def test_every_case_of_the_migrated_kernel_tests_belongs_to_a_row(corpus: Path) -> None:
    """A simulated case whose file is no B1 row with a reference would be missing from the page."""
    rows = {
        str(path.relative_to(corpus))
        for entry in manifest(corpus)
        if entry.style == "B1" and entry.ref == "yes" and (path := locate(corpus, entry)) is not None
    }
    unknown = sorted(set(cases_by_file()) - rows)
    assert not unknown, f"cases for files that are no B1 row with a reference: {unknown}"
