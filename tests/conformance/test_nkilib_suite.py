"""nki-library's own test suite through our shim (`python -m tests.conformance.nkilib_suite`): which of its
files resolve in this corpus, and one of its simulation tests run end to end on our `nki`."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.harness import REPO
from tests.conformance.nkilib_suite import suite_files

pytestmark = pytest.mark.corpus

LOSS = "nki-library/test/integration/nkilib/experimental/loss"
HARNESS_PACKAGES = (
    "torch",
    "pytest_html",
    "allpairspy",
    "aws_embedded_metrics",
    "boto3",
    "fabric2",
    "plotext",
)


def _suite(corpus: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.conformance.nkilib_suite", *arguments],
        cwd=REPO, env={**os.environ, "NKI_CORPUS": str(corpus)}, capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip


def test_only_files_whose_imports_resolve_are_run(corpus: Path) -> None:
    if not (corpus / "nki-library" / "test" / "conftest.py").is_file():
        pytest.skip("this corpus has no nki-library test suite")
    runnable, absent = suite_files(corpus)
    listing = _suite(corpus, "--list").stdout.splitlines()
    assert [line for line in listing if line.startswith("RUN ")] == [
        f"RUN  {path.relative_to(corpus)}" for path in runnable
    ]
    assert len([line for line in listing if line.startswith("SKIP ")]) == len(absent)
    assert all("absent from this corpus" in line for line in listing if line.startswith("SKIP "))


def test_a_library_simulation_test_passes_on_our_nki(corpus: Path) -> None:
    if not (corpus / LOSS / "test_cross_entropy_forward.py").is_file():
        pytest.skip(f"{LOSS} is not in this corpus")
    missing = [name for name in HARNESS_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the nkilib-suite extra is not installed ({', '.join(missing)})")
    done = _suite(corpus, "--", "-k", "test_switch_transformers_fast and B-1_T-1_")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "nkilib-suite: passed=1 failed=0 errors=0" in done.stdout
