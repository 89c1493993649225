"""What the conformance modules and the runner (`python -m tests.conformance.run`) share.

A conformance module defines its cases once and exposes them as `conformance_cases()`: named, tied to the
MANIFEST.md row (corpus-relative kernel file) they check, and runnable against any corpus root. The
module's pytest test and the runner both call `execute`, so a case is never written twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"


def corpus_root() -> Path:
    """`NKI_CORPUS` when set (any copy of the corpus repositories), else ../shared/corpus."""
    configured = os.environ.get("NKI_CORPUS")
    return Path(configured).expanduser().resolve() if configured else DEFAULT_CORPUS


class CaseSkipped(Exception):
    """The case cannot run on this corpus (file absent, import of an absent module); the message says why."""


@dataclass(frozen=True)
class Comparison:
    """One output of a kernel against its reference, with the tolerance of the row's test."""

    got: Any
    want: Any
    rtol: float
    atol: float
    label: str = "output"


@dataclass(frozen=True)
class RunnableCase:
    name: str
    row: str  # corpus-relative path of the MANIFEST.md row this case checks
    execute: Callable[
        [Path], Iterable[Comparison]
    ]  # raises CaseSkipped, or AssertionError from a custom check
    expected_failure: str = ""  # why the kernel must fail here (the NKI 0.6 behaviour)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    max_abs: float
    max_rel: float
    detail: str = ""


def judge(comparisons: Iterable[Comparison]) -> Verdict:
    """All outputs within `atol + rtol * |want|` (NumPy's allclose, NaN equal to NaN) and of the same size."""
    passed, worst_abs, worst_rel, detail = True, 0.0, 0.0, ""
    for comparison in comparisons:
        got = np.asarray(comparison.got).astype(np.float64)
        want = np.asarray(comparison.want).astype(np.float64)
        if got.size != want.size:
            return Verdict(
                False, float("nan"), float("nan"), f"{comparison.label}: {got.shape} vs {want.shape}"
            )
        got = got.reshape(want.shape)
        with np.errstate(invalid="ignore", over="ignore"):
            error = np.abs(got - want)
        error[np.isnan(got) & np.isnan(want)] = 0.0
        error[np.isnan(error)] = np.inf  # a NaN on one side only
        magnitude = np.abs(want)
        relative = np.divide(error, magnitude, out=np.zeros_like(error), where=magnitude > 0)
        relative[(magnitude == 0) & (error > 0)] = np.inf
        worst_abs = max(worst_abs, float(error.max(initial=0.0)))
        worst_rel = max(worst_rel, float(relative.max(initial=0.0)))
        if not np.allclose(got, want, rtol=comparison.rtol, atol=comparison.atol, equal_nan=True):
            passed = False
            detail = detail or comparison.label
    return Verdict(passed, worst_abs, worst_rel, detail)


def assert_case(case: RunnableCase, corpus: Path) -> None:
    """The pytest form of a case: skip when it cannot run here, fail with the errors when it does not match."""
    import pytest

    try:
        verdict = judge(case.execute(corpus))
    except CaseSkipped as reason:
        pytest.skip(str(reason))
    assert verdict.passed, (
        f"{case.name}: {verdict.detail} differs (max abs err={verdict.max_abs:.3g}, max rel err={verdict.max_rel:.3g})"
    )
