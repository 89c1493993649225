"""Migrations without an exact rewrite say what to write instead: after `--fix --unsafe-fixes`, every
diagnostic left in tests/data/migration/gaps_*.py carries a note with the 0.6 form, spelled with the
kernel's own names. The gap files' annotations hold too."""

from __future__ import annotations

from pathlib import Path

import pytest

from nki_compiler.check import CheckConfig, check_source
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.fixer import fix_text
from tests.helpers.annotations import check

MIGRATION = Path(__file__).resolve().parents[1] / "data" / "migration"
GAPS = sorted(MIGRATION.glob("gaps_*.py"))
CONFIG = CheckConfig(select=("NKI", "NKI546"))

#: (file, code, text the diagnostic covers, phrases its notes must contain)
ADVICE = [
    ("gaps_advice.py", "NKI539", "nl.arange",
     ("in_tile.reshape((in_tile.shape[0], sz_f1, sz_f2))",
      "out_tile.reshape((out_tile.shape[0], sz_f2, sz_f1)).permute((0, 2, 1))", "nisa.tensor_copy")),
    ("gaps_advice.py", "NKI539", "nl.mgrid", ("scales a grid axis by `h - 1`", "0:(h - 1) + 1:(h - 1)")),
    ("gaps_advice.py", "NKI547", "nl.par_dim(128)", ("allocate `(128, 2, 512)`", "`t[:, b0, ...]`")),
    ("gaps_advice.py", "NKI558", "nki.benchmark", ("nki.jit(blocked)(*arrays)", "Neuron profiler")),
    ("gaps_advice.py", "NKI216", "blocked[2, 2]",
     ("for i0 in range(2):", "`nl.program_id(1)` by `i1`", "allocate outputs once")),
    ("gaps_masks.py", "NKI540", "mask=(iy < limit)", ("delete `mask=`", "min(stop, bound)")),
]  # fmt: skip


def _migrated(name: str) -> tuple[str, list[Diagnostic]]:
    path = MIGRATION / name
    fixed, _ = fix_text(path.read_text(encoding="utf-8"), lambda t: check_source(t, str(path), CONFIG), True)
    return fixed, check_source(fixed, str(path), CONFIG)


@pytest.mark.parametrize("path", GAPS, ids=lambda p: p.stem)
def test_gap_annotations(path: Path, update: bool) -> None:
    check(path, update)


@pytest.mark.parametrize("case", ADVICE, ids=lambda c: f"{c[1]}-{c[2]}")
def test_remaining_diagnostic_says_what_to_write(case: tuple[str, str, str, tuple[str, ...]]) -> None:
    name, code, covered, phrases = case
    text, diagnostics = _migrated(name)
    found = [d for d in diagnostics if d.code == code and text[d.span.start : d.span.end].startswith(covered)]
    assert found, f"{code} on `{covered}` is no longer left by the migration of {name}"
    notes = " | ".join(n.message for d in found for n in d.notes)
    missing = [p for p in phrases if p not in notes]
    assert not missing, f"notes lack {missing}: {notes}"


def test_legacy_compiler_decorator_is_removed() -> None:
    text, diagnostics = _migrated("gaps_advice.py")
    assert "skip_middle_end_transformations" not in text
    assert not [d for d in diagnostics if d.code == "NKI022"]
