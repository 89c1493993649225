"""Which catalogue codes some check can emit: string literals `"NKIxxx"` passed to `report(...)`."""

from __future__ import annotations

import functools
import re
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[2] / "compiler" / "nki_compiler"
_REPORT = re.compile(r"report\(\s*\"(NKI\d{3})\"|\"(NKI\d{3})\"\s*(?:,|\))")


@functools.cache
def implemented_codes() -> frozenset[str]:
    codes: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        if path.parent.name == "diagnostics" or path.name == "api.py":
            continue  # the registry and the API table mention codes they do not report
        for match in _REPORT.finditer(path.read_text(encoding="utf-8")):
            codes.add(match.group(1) or match.group(2))
    return frozenset(codes)
