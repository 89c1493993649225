"""The conformance runner's parts on small self-made corpora: MANIFEST rows, import resolution, verdicts and
the report lines; and the nki-library shim (`nki_cpu_simulator`, `neuron_dtypes`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.conformance import run
from tests.conformance.harness import CaseSkipped, Comparison, RunnableCase, judge
from tests.conformance.imports import SourceRoots, first_absent_import
from tests.conformance.manifest import ManifestRow, reference_rows, rows
from tests.conformance.nkilib_suite import SHIM, absent_import_of_row

MANIFEST = """# corpus

| repo | path | commit | style | kind | role | kernel functions | ref | test(s) | notes |
|---|---|---|---|---|---|---|---|---|---|
| lib | src/pkg/kernel.py | `1` | B2 | k | kernel | f | yes | test/test_kernel.py<br>test/test_more.py | |
| lib | test/test_wrapper.py | `1` | B2 | k | test+kernel | g | yes | (self: test file with wrapper kernels) | |
| lib | src/pkg/helper.py | `1` | B2 | k | helper | h | indirect | via kernel.py | |
| other | legacy.py | `1` | B1 | k | kernel | i | yes | (own main) | |
| other | own.py | `1` | B2 | k | kernel | j | yes | (own main) | |
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_reference_rows_are_b2_with_ref_yes_and_name_their_tests(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.md").write_text(MANIFEST, encoding="utf-8")
    rows = reference_rows(tmp_path / "MANIFEST.md")
    assert [row.path for row in rows] == ["lib/src/pkg/kernel.py", "lib/test/test_wrapper.py", "other/own.py"]
    assert rows[0].tests == ("test/test_kernel.py", "test/test_more.py")
    assert rows[1].tests == ("test/test_wrapper.py",)
    assert rows[2].tests == ()


def _library(root: Path) -> SourceRoots:
    _write(root / "src", {
        "pkg/__init__.py": "",
        "pkg/core/__init__.py": "from .present import VALUE\n",
        "pkg/core/present.py": "VALUE = 1\n",
        "pkg/core/uses_attribute.py": "from pkg.core import VALUE\nimport numpy\n",
        "pkg/core/chain.py": "from . import uses_attribute\nfrom ..extra.gone_parent import thing\n",
        "pkg/extra/__init__.py": "",
        "pkg/extra/gone_parent.py": "from .absent import thing\n",
        "pkg/broken_init/__init__.py": "from .missing import x\n",
        "pkg/broken_init/fine.py": "",
        "pkg/uses_broken.py": "import pkg.broken_init.fine\n",
    })  # fmt: skip
    return SourceRoots((root / "src",))


def test_imports_resolve_transitively_through_relative_imports_and_package_inits(tmp_path: Path) -> None:
    roots = _library(tmp_path)
    src = tmp_path / "src" / "pkg"
    assert (
        first_absent_import(src / "core" / "uses_attribute.py", roots) is None
    )  # an attribute, numpy ignored
    assert first_absent_import(src / "core" / "chain.py", roots) == "pkg.extra.absent"
    assert first_absent_import(src / "uses_broken.py", roots) == "pkg.broken_init.missing"


def test_overlay_supplies_modules_of_a_package(tmp_path: Path) -> None:
    _write(tmp_path / "lib", {"test/utils/__init__.py": "", "test/utils/main.py": "from .private import f\n"})
    _write(tmp_path / "overlay", {"private.py": "def f(): pass\n"})
    bare = SourceRoots((tmp_path / "lib",))
    with_overlay = SourceRoots((tmp_path / "lib",), (("test.utils", tmp_path / "overlay"),))
    main = tmp_path / "lib" / "test" / "utils" / "main.py"
    assert first_absent_import(main, bare) == "test.utils.private"
    assert first_absent_import(main, with_overlay) is None


def test_an_nkilib_row_names_the_first_module_absent_from_its_file_or_tests(tmp_path: Path) -> None:
    _write(tmp_path / "nki-library", {
        "src/nkilib_src/__init__.py": "",
        "src/nkilib_src/kernel.py": "import numpy\n",
        "test/integration/test_kernel.py": "from nkilib_src.reference_torch import ref\n",
    })  # fmt: skip
    row = ManifestRow(
        "nki-library", "src/nkilib_src/kernel.py", "B2", "yes", ("test/integration/test_kernel.py",)
    )
    assert absent_import_of_row(tmp_path, row) == "nkilib_src.reference_torch"
    assert absent_import_of_row(tmp_path, ManifestRow("other", "k.py", "B2", "yes", ())) is None


def test_judge_reports_the_largest_errors() -> None:
    want = np.array([1.0, 2.0, 4.0])
    assert judge([Comparison(want + 1e-9, want, 1e-6, 0.0)]).passed
    verdict = judge([Comparison(np.array([1.0, 2.5, 4.0]), want, 1e-3, 1e-3)])
    assert (
        not verdict.passed
        and verdict.max_abs == pytest.approx(0.5)
        and verdict.max_rel == pytest.approx(0.25)
    )
    assert judge([Comparison(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), 0, 0)]).passed
    assert judge([Comparison(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), 0, 0)]).max_abs == np.inf
    assert not judge([Comparison(np.zeros(3), np.zeros(4), 0, 0)]).passed


def _case(execute: object, expected_failure: str = "") -> RunnableCase:
    return RunnableCase("k", "repo/k.py", execute, expected_failure)  # type: ignore[arg-type]


def _raise(error: BaseException) -> object:
    def execute(corpus: Path) -> list[Comparison]:
        raise error

    return execute


def test_report_lines(tmp_path: Path) -> None:
    good = _case(lambda corpus: [Comparison(np.ones(2), np.ones(2), 0, 0)])
    bad = _case(lambda corpus: [Comparison(np.ones(2), np.zeros(2), 0, 0)])
    assert str(run.run_case(good, tmp_path)) == "PASS k"
    assert str(run.run_case(bad, tmp_path)) == "FAIL k (max abs err=1, max rel err=inf)"
    assert str(run.run_case(_case(_raise(CaseSkipped("why"))), tmp_path)) == "SKIP k: why"
    error = run.run_case(_case(_raise(ValueError("first\nsecond"))), tmp_path)
    assert str(error) == "ERROR k: ValueError: first"
    assert run.run_case(_case(_raise(ValueError("x")), "removed API"), tmp_path).status == "SKIP"
    assert run.run_case(_case(good.execute, "removed API"), tmp_path).status == "ERROR"
    assert_close = _raise(AssertionError("Not equal\nMax absolute difference among violations: 0.5\n"
                                         "Max relative difference among violations: 2.0"))  # fmt: skip
    assert str(run.run_case(_case(assert_close), tmp_path)) == "FAIL k (max abs err=0.5, max rel err=2.0)"


def test_rows_without_cases_say_why_and_the_summary_counts(tmp_path: Path) -> None:
    _write(tmp_path, {"other/own.py": ""})
    rows = [ManifestRow("other", "own.py", "B2", "yes", ()), ManifestRow("other", "gone.py", "B2", "yes", ())]
    cases = {"repo/k.py": [_case(lambda corpus: [])]}
    rows.append(ManifestRow("repo", "k.py", "B2", "yes", ()))
    lines = list(run.run_rows(tmp_path, rows, cases, ""))
    assert [str(line) for line in lines] == [
        "SKIP other/own.py: no case in tests/conformance yet",
        "SKIP other/gone.py: absent from this corpus",
        "PASS k",
    ]
    assert run.summary(lines) == "passed=1 failed=0 errors=0 skipped=2 total=3"
    table = run.markdown(lines, rows)
    assert "| `repo/k.py` | PASS | PASS k |" in table
    assert "| `other/gone.py` | SKIP | SKIP: absent from this corpus |" in table


def test_every_conformance_case_names_a_manifest_row(corpus: Path) -> None:
    listed = {row.path for row in rows(corpus / "MANIFEST.md")}
    cases, _ = run.collect_cases()
    assert cases
    # a case of a file the other corpus half holds is not listed here; a file of this half must be
    assert not {row for row in cases if (corpus / row).is_file() and row not in listed}


def _in_shim(code: str) -> str:
    """Run `code` in a fresh interpreter with the shim on the path: the harness's aliases stay out of ours."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SHIM), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=environment, check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_nki_cpu_simulator_is_our_nki_under_the_harness_names() -> None:
    assert (
        _in_shim("""
        import nki, nki.language as nl
        import nki_cpu_simulator.nki.isa.constants as constants
        import nki_cpu_simulator.nki.language.dtypes as dtypes
        import nki_cpu_simulator.nki.builtin, nki_cpu_simulator.nki.compiler, nki_cpu_simulator.nki.tensor
        from nki_cpu_simulator import nki as simulated
        print(simulated is nki, constants is nki.isa.constants, dtypes.bfloat16 == nl.bfloat16,
              simulated.cpu_simulate is nki.cpu_simulate)
    """)
        == "True True True True"
    )


def test_neuron_dtypes_static_cast_rounds_to_nearest_even() -> None:
    assert (
        _in_shim("""
        import ml_dtypes, numpy as np, nki.language as nl, neuron_dtypes as dt
        halfway = np.float32(1.0 + 2**-8)  # exactly between two bf16 values: rounds to the even one, 1.0
        cast = dt.static_cast(np.array([halfway, 3.0]), nl.bfloat16)
        try:
            dt.static_cast(np.zeros(4), dt.float8_e5m2_x4)
            packed = "converted"
        except NotImplementedError:
            packed = "refused"
        print(cast.dtype, float(cast[0]), dt.is_float_type(ml_dtypes.float8_e4m3), dt.is_float_type(np.int32), packed)
    """)
        == "bfloat16 1.0 True False refused"
    )
