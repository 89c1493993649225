"""Inline expected-diagnostic annotations and the front end's `check()` helper.

A line that should produce diagnostics ends with `# <-- NKI001` (several codes: `# <-- NKI001 NKI011`).
Fixture directives anywhere in the file: `# target: gen2|gen3|gen4` and `# profile: legacy|parser`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nki_compiler.check import CheckConfig, check_source
from nki_compiler.diagnostics.model import Diagnostic

ANNOTATION = re.compile(r"#\s*<--\s*((?:NKI\d{3}\s*)+)")
_TARGETS = {"gen2": "trn1", "gen3": "trn2", "gen4": "trn3"}


@dataclass(frozen=True)
class Expectations:
    lines: frozenset[tuple[int, str]]  # (1-based line, code)
    config: CheckConfig


def parse_annotations(text: str) -> Expectations:
    expected = set()
    target, frontend = "trn2", "auto"
    for number, line in enumerate(text.splitlines(), start=1):
        match = ANNOTATION.search(line)
        if match:
            expected |= {(number, code) for code in match.group(1).split()}
        directive = re.match(r"\s*#\s*(target|profile):\s*(\w+)", line)
        if directive and directive.group(1) == "target":
            target = _TARGETS.get(directive.group(2), directive.group(2))
        elif directive and directive.group(2) == "parser":
            frontend = "parser"
    return Expectations(frozenset(expected), CheckConfig(target=target, frontend=frontend))


def actual_lines(text: str, diagnostics: list[Diagnostic]) -> set[tuple[int, str]]:
    from nki_compiler.source import LineIndex

    index = LineIndex(text)
    return {(index.position(d.span.start).line + 1, d.code) for d in diagnostics}


def check(path: Path, update: bool = False) -> None:
    """Diagnostics of `path` must be exactly its annotations (rewrites them when `update`)."""
    text = path.read_text(encoding="utf-8")
    expectations = parse_annotations(text)
    diagnostics = check_source(text, str(path), expectations.config)
    actual = actual_lines(text, diagnostics)
    if update and actual != set(expectations.lines):
        path.write_text(rewrite_annotations(text, actual), encoding="utf-8")
        return
    missing = sorted(set(expectations.lines) - actual)
    unexpected = sorted(actual - set(expectations.lines))
    details = "\n".join(f"  {d.code} {d.span} {d.message}" for d in diagnostics)
    assert not missing and not unexpected, (
        f"{path.name}: missing {missing}, unexpected {unexpected}\nall diagnostics:\n{details}"
    )


def rewrite_annotations(text: str, actual: set[tuple[int, str]]) -> str:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = ANNOTATION.sub("", line).rstrip()
        codes = sorted(code for n, code in actual if n == number)
        if codes:
            line = f"{line}  # <-- {' '.join(codes)}"
        out.append(line)
    return "\n".join(out) + "\n"
