"""Every kernel under tests/data/kernels produces exactly the diagnostics its `# <--` annotations list.

Run with `--update` to rewrite the annotations from the actual output (review the diff!).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.annotations import check

KERNELS = sorted((Path(__file__).resolve().parents[1] / "data" / "kernels").rglob("*.py"))


@pytest.mark.parametrize("path", KERNELS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_kernel_annotations(path: Path, update: bool) -> None:
    check(path, update)
