"""`test.utils.perf_analysis_private`: AWS's private analysis of hardware performance traces, absent from
the public nki-library. The harness imports it unconditionally and calls it only with
`--enable-perf-analysis` after a profiled hardware run, which simulation never does."""

from __future__ import annotations

from typing import Any


def analyze_trace(**options: Any) -> None:
    raise NotImplementedError(
        "performance-trace analysis needs AWS's private module and a profiled hardware run"
    )
