"""Contract diagnostics (NKI3xx/NKI4xx) and specialization failures (NKI218/NKI219) on annotated kernels
under tests/data/contracts (`# <-- NKIxxx` on each expected line; `--update` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.specializer.helpers import check_annotated

KERNELS = sorted((Path(__file__).resolve().parents[1] / "data" / "contracts").glob("*.py"))


@pytest.mark.parametrize("path", KERNELS, ids=lambda p: p.stem)
def test_contract_annotations(path: Path, update: bool) -> None:
    check_annotated(path, update)
