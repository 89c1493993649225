"""The bundled examples do what the README says they do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_simulate_matmul_example_matches_numpy() -> None:
    result = subprocess.run(
        [sys.executable, "simulate_matmul.py"], cwd=EXAMPLES, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "matches NumPy" in result.stdout


def test_examples_check_as_documented() -> None:
    from nki_compiler.check import check_paths

    results = {Path(p).name: [d.code for d in ds] for p, ds in check_paths([EXAMPLES]).items()}
    assert results["add_kernel.py"] == [] and results["matmul_kernel.py"] == []
    assert results["broken_kernel.py"] == ["NKI001", "NKI002", "NKI011", "NKI003"]
