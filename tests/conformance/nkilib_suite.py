"""nki-library's own test suite in its `--test-mode simulation`, on our `nki` (`make nkilib-suite`).

    python -m tests.conformance.nkilib_suite [--all] [--list] [-- extra pytest arguments]

The corpus is `NKI_CORPUS` (default ../shared/corpus) and is only read. The suite's test files whose imports
all resolve in that corpus (followed transitively, see `imports.py`) run under pytest with the shim folder
`nkilib_shim/` on PYTHONPATH (`nki_cpu_simulator` -> our `nki`, `neuron_dtypes`, the two AWS-internal harness
modules) and the plugin that imports the harness as the package `test`. By default only the library's
pre-commit subset runs (`-m fast`), and its harness itself skips large shapes in simulation; `--all` runs
every test of the selected files. Artifacts go to a temporary folder. The last line is
`nkilib-suite: passed=P failed=F errors=E skipped=S total=T`; the exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.conformance.harness import corpus_root
from tests.conformance.imports import SourceRoots, first_absent_import
from tests.conformance.manifest import ManifestRow

SHIM = Path(__file__).resolve().parent / "nkilib_shim"
OVERLAY = SHIM / "test_overlay"
TEST_TIMEOUT_S = 900


def nkilib_roots(corpus: Path) -> SourceRoots:
    library = corpus / "nki-library"
    return SourceRoots((library / "src", library), (("test.utils", OVERLAY),))


def absent_import_of_row(corpus: Path, row: ManifestRow) -> str | None:
    """For an nki-library row: the first module that its file, then its library tests, need and that this
    corpus does not hold (the harness modules of `nkilib_shim/test_overlay` count as present)."""
    if row.repo != "nki-library":
        return None
    roots = nkilib_roots(corpus)
    for relative in (row.file, *row.tests):
        path = corpus / row.repo / relative
        if not path.is_file():
            return relative.removesuffix(".py").replace("/", ".")
        missing = first_absent_import(path, roots)
        if missing is not None:
            return missing
    return None


def suite_files(corpus: Path) -> tuple[list[Path], dict[Path, str]]:
    """The suite's test files whose imports resolve, and the others with the first absent module."""
    roots = nkilib_roots(corpus)
    runnable: list[Path] = []
    absent: dict[Path, str] = {}
    for path in sorted((corpus / "nki-library" / "test" / "integration").rglob("test_*.py")):
        missing = first_absent_import(path, roots)
        if missing is None:
            runnable.append(path)
        else:
            absent[path] = missing
    return runnable, absent


def pytest_command(
    corpus: Path, files: list[Path], run_all: bool, report: Path, extra: list[str]
) -> list[str]:
    library = corpus / "nki-library"
    selection = [] if run_all else ["-m", "fast"]
    return [sys.executable, "-m", "pytest", "-p", "nkilib_suite_plugin", "-p", "no:cacheprovider",
            "--import-mode=importlib", f"--rootdir={library}", "-c", str(library / "test" / "pytest.ini"),
            "--test-mode", "simulation", "--platform-target", "trn2", f"--timeout={TEST_TIMEOUT_S}",
            "--disable-no-tests-failure", f"--junitxml={report}", "-q", "-rfEs", *selection, *extra,
            *map(str, files)]  # fmt: skip


def environment(corpus: Path) -> dict[str, str]:
    library = corpus / "nki-library"
    paths = [str(SHIM), str(library / "src"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "NKILIB_ROOT": str(library), "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def counts(report: Path) -> dict[str, int]:
    if not report.is_file():
        return {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "total": 0}
    suites = ElementTree.parse(report).getroot().iter("testsuite")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, "0"))
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    return {"passed": passed, "failed": total["failures"], "errors": total["errors"],
            "skipped": total["skipped"], "total": total["tests"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--all", action="store_true", help="every test of the runnable files, not only -m fast"
    )
    parser.add_argument("--list", action="store_true", help="only list which test files resolve")
    parser.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    options = parser.parse_args(argv)
    corpus = corpus_root()
    if not (corpus / "nki-library" / "test" / "conftest.py").is_file():
        print(f"nkilib-suite: no nki-library test suite under {corpus} (set NKI_CORPUS)")
        return 0
    runnable, absent = suite_files(corpus)
    for path, missing in absent.items():
        print(f"SKIP {path.relative_to(corpus)}: imports {missing}, absent from this corpus")
    for path in runnable:
        print(f"RUN  {path.relative_to(corpus)}")
    if options.list or not runnable:
        return 0
    with tempfile.TemporaryDirectory(prefix="nkilib-suite-") as workdir:
        report = Path(workdir) / "report.xml"
        command = pytest_command(corpus, runnable, options.all, report, options.extra)
        status = subprocess.call(command, cwd=workdir, env=environment(corpus))
        result = counts(report)
    print("nkilib-suite: " + " ".join(f"{key}={value}" for key, value in result.items()))
    return status


if __name__ == "__main__":
    sys.exit(main())
