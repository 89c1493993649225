"""Census of issue 3: every corpus B2 kernel with a reference test specializes with its test's argument facts,
without an internal error and without an error diagnostic (the kernels are valid). Instruction counts and
times per kernel go to `tests/output/corpus_census.txt`. Skips when ../shared/corpus is absent."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nki_compiler.diagnostics.model import Severity
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir import verify
from nki_compiler.specializer import specialize
from tests.helpers.corpus import manifest
from tests.specializer.corpus_facts import CASES, SOURCE_ROOT, UNCOVERED, CensusCase, resolve

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "tests" / "output" / "corpus_census.txt"
_rows: dict[str, str] = {}


def _params() -> list[object]:
    params = []
    for case in CASES:
        marks = [pytest.mark.slow] if case.slow else []
        if case.xfail:
            marks.append(pytest.mark.xfail(reason=case.xfail, strict=True))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def _facts_text(case: CensusCase) -> str:
    return " ".join(f"{name}={value}" for name, value in case.facts.items())


def _write_report() -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    header = f"{'kernel':<52} {'programs':>8} {'instructions':>12} {'seconds':>8}  complete  facts"
    REPORT.write_text("\n".join([header, *(_rows[key] for key in sorted(_rows))]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("case", _params())
def test_corpus_kernel_census(corpus: Path, case: CensusCase) -> None:
    path = corpus / case.path
    if not path.is_file():
        pytest.skip(f"{case.path} is not in this corpus copy")
    workspace = Workspace(import_roots=(corpus / SOURCE_ROOT,))
    module = workspace.module(path)
    assert module is not None
    facts = resolve(case.facts, corpus)
    start = time.perf_counter()
    results = [specialize(workspace, module, case.kernel, facts, case.target,
                          program_id=program_id, num_programs=case.num_programs)
               for program_id in range(case.num_programs)]  # fmt: skip
    seconds = time.perf_counter() - start
    for result in results:
        errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
        assert not errors, [f"{d.code} {Path(d.path).name}:{d.span} {d.message}" for d in errors]
        assert result.program is not None
        assert verify(result.program) == []
        assert result.complete == (not case.partial), f"complete={result.complete}, partial={case.partial!r}"
    counts = "+".join(str(r.program.count()) for r in results if r.program is not None)
    _rows[case.id] = (f"{case.id:<52} {case.num_programs:>8} {counts:>12} {seconds:>8.2f}  "
                      f"{'yes' if not case.partial else 'no':<8}  {_facts_text(case)}")  # fmt: skip
    _write_report()


def test_census_covers_every_b2_reference_file(corpus: Path) -> None:
    """Each MANIFEST row (B2, ref = yes) has a census case for its file, or is listed as covered elsewhere."""
    wanted = {e.relative for e in manifest(corpus) if e.style == "B2" and e.ref == "yes"}
    covered = {case.path for case in CASES}
    missing = wanted - covered - set(UNCOVERED)
    assert not missing, sorted(missing)
