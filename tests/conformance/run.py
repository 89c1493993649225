"""Corpus conformance runner: `python -m tests.conformance.run [--markdown] [-k TEXT]` (`make conformance`).

Every MANIFEST.md row of style B2 with `ref = yes` is enumerated from the corpus at `NKI_CORPUS` (default
../shared/corpus). The cases that the conformance modules of this folder define for the row (their
`conformance_cases()`) run on our simulator against their references, one line each:

    PASS name | FAIL name (max abs err=…, max rel err=…) | ERROR name: first line | SKIP name: reason

A row without a case gets one SKIP line naming why: the first module it needs that this corpus does not
hold (its own imports, then those of its library tests), or that no case was written. The last line is
`passed=P failed=F errors=E skipped=S total=T`; the exit status is 1 when anything failed or errored.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conformance.harness import CaseSkipped, RunnableCase, Verdict, corpus_root, judge
from tests.conformance.manifest import ManifestRow, reference_rows
from tests.conformance.nkilib_suite import absent_import_of_row

HERE = Path(__file__).resolve().parent
_ALLCLOSE_ERRORS = re.compile(
    r"Max absolute difference[^:]*:\s*(\S+)\s+Max relative difference[^:]*:\s*(\S+)"
)


@dataclass(frozen=True)
class Line:
    status: str  # PASS | FAIL | ERROR | SKIP
    name: str
    row: str
    detail: str = ""

    def __str__(self) -> str:
        if self.status == "FAIL":
            return f"FAIL {self.name} ({self.detail})"
        return f"{self.status} {self.name}" + (f": {self.detail}" if self.detail else "")


def collect_cases() -> tuple[dict[str, list[RunnableCase]], list[Line]]:
    """The cases of every `tests/conformance/test_*.py` module that defines `conformance_cases()`, by row;
    and an ERROR line for each module that does not import."""
    by_row: dict[str, list[RunnableCase]] = {}
    broken: list[Line] = []
    for path in sorted(HERE.glob("test_*.py")):
        try:
            module = importlib.import_module(f"tests.conformance.{path.stem}")
            cases: list[RunnableCase] = getattr(module, "conformance_cases", list)()
        except Exception as error:  # noqa: BLE001  (a broken module is reported, the others still run)
            broken.append(Line("ERROR", f"tests/conformance/{path.name}", "", _first_line(error)))
            continue
        for case in cases:
            by_row.setdefault(case.row, []).append(case)
    return by_row, broken


def run_case(case: RunnableCase, corpus: Path) -> Line:
    try:
        verdict = judge(case.execute(corpus))
    except CaseSkipped as reason:
        return Line("SKIP", case.name, case.row, str(reason))
    except AssertionError as failure:
        return _failed(case, Line("FAIL", case.name, case.row, _assertion_detail(failure)))
    except Exception as error:  # noqa: BLE001  (any error of the kernel run is a result to report)
        return _failed(case, Line("ERROR", case.name, case.row, _first_line(error)))
    if not verdict.passed:
        return _failed(case, Line("FAIL", case.name, case.row, _errors(verdict)))
    if case.expected_failure:
        return Line(
            "ERROR", case.name, case.row, f"passes but is an expected failure ({case.expected_failure})"
        )
    return Line("PASS", case.name, case.row)


def _failed(case: RunnableCase, line: Line) -> Line:
    if case.expected_failure:
        return Line("SKIP", case.name, case.row, f"expected to fail: {case.expected_failure}")
    return line


def _errors(verdict: Verdict) -> str:
    return f"max abs err={verdict.max_abs:.3g}, max rel err={verdict.max_rel:.3g}"


def _assertion_detail(failure: AssertionError) -> str:
    found = _ALLCLOSE_ERRORS.search(str(failure))
    if found:
        return f"max abs err={found.group(1)}, max rel err={found.group(2)}"
    return _first_line(failure) or "assertion failed"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    if not first:
        frame = traceback.extract_tb(error.__traceback__)[-1:]
        first = f"at {frame[0].filename}:{frame[0].lineno}" if frame else ""
    return f"{type(error).__name__}: {first}"


def run_rows(
    corpus: Path, rows: list[ManifestRow], cases: dict[str, list[RunnableCase]], pattern: str
) -> Iterator[Line]:
    for row in rows:
        row_cases = [case for case in cases.get(row.path, []) if pattern in case.name or pattern in row.path]
        if row_cases:
            yield from (run_case(case, corpus) for case in row_cases)
        elif pattern in row.path:
            yield Line("SKIP", row.path, row.path, _why_no_case(corpus, row))


def _why_no_case(corpus: Path, row: ManifestRow) -> str:
    if not (corpus / row.path).is_file():
        return "absent from this corpus"
    missing = absent_import_of_row(corpus, row)
    if missing is not None:
        return f"imports {missing}, absent from this corpus"
    if row.repo == "nki-library":
        return "no case in tests/conformance; its library tests resolve: run them with `make nkilib-suite`"
    return "no case in tests/conformance yet"


def summary(lines: list[Line]) -> str:
    count = {
        status: sum(line.status == status for line in lines) for status in ("PASS", "FAIL", "ERROR", "SKIP")
    }
    return (f"passed={count['PASS']} failed={count['FAIL']} errors={count['ERROR']} "
            f"skipped={count['SKIP']} total={len(lines)}")  # fmt: skip


def markdown(lines: list[Line], rows: list[ManifestRow]) -> str:
    """One table row per MANIFEST row: its verdict (worst of its cases) and the case lines."""
    order = {"ERROR": 0, "FAIL": 1, "PASS": 2, "SKIP": 3}
    out = ["| row | result | cases |", "|---|---|---|"]
    for row in rows:
        mine = [line for line in lines if line.row == row.path]
        if not mine:
            continue
        worst = min(mine, key=lambda line: order[line.status]).status
        if worst == "SKIP" and any(line.status == "PASS" for line in mine):
            worst = "PASS"
        cases = "<br>".join(_cell(line).replace("|", "\\|") for line in mine)
        out.append(f"| `{row.path}` | {worst} | {cases} |")
    return "\n".join(out)


def _cell(line: Line) -> str:
    return f"{line.status}: {line.detail}" if line.name == line.row else str(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="pattern", default="", help="only cases or rows whose name contains TEXT")
    parser.add_argument(
        "--markdown", action="store_true", help="also print the per-row table of docs/conformance.md"
    )
    options = parser.parse_args(argv)
    corpus = corpus_root()
    if not (corpus / "MANIFEST.md").is_file():
        print(f"SKIP corpus: no MANIFEST.md under {corpus} (set NKI_CORPUS)")
        return 0
    rows = reference_rows(corpus / "MANIFEST.md")
    cases, lines = collect_cases()
    for line in lines:
        print(line, flush=True)
    for line in run_rows(corpus, rows, cases, options.pattern):
        print(line, flush=True)
        lines.append(line)
    print(summary(lines))
    if options.markdown:
        print(markdown(lines, rows))
    return 1 if any(line.status in ("FAIL", "ERROR") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
