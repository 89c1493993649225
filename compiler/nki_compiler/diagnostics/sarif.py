"""SARIF 2.1.0 log for a set of diagnostics (GitHub code scanning and other SARIF viewers)."""

from __future__ import annotations

from typing import Any

from nki_compiler.diagnostics.codes import RULES
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.diagnostics.render import location
from nki_compiler.source import LineIndex
from nki_compiler.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def sarif_log(entries: list[tuple[Diagnostic, LineIndex, str]]) -> dict[str, Any]:
    used = sorted({d.code for d, _, _ in entries})
    rule_index = {code: i for i, code in enumerate(used)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nki-ls",
                        "version": __version__,
                        "informationUri": "https://github.com/nki-toolchain/nki-toolchain",
                        "rules": [_rule(code) for code in used],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index, path, rule_index) for d, index, path in entries],
            }
        ],
    }


def _rule(code: str) -> dict[str, Any]:
    r = RULES[code]
    level = _LEVEL[r.severity.value] if r.severity else "none"
    return {
        "id": code,
        "shortDescription": {"text": r.template},
        "fullDescription": {"text": f"Flags: {r.flags}. Why: {r.basis}"},
        "helpUri": r.url,
        "help": {"text": r.fix, "markdown": r.documentation()},
        "defaultConfiguration": {"level": level},
    }


def _region(index: LineIndex, span) -> dict[str, int]:  # noqa: ANN001
    line, column, end_line, end_column = location(index, span)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _result(
    diagnostic: Diagnostic, index: LineIndex, path: str, rule_index: dict[str, int]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index[diagnostic.code],
        "level": _LEVEL[diagnostic.severity.value],
        "message": {"text": diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path},
                    "region": _region(index, diagnostic.span),
                }
            }
        ],
    }
    if diagnostic.notes:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": note.message},
                "physicalLocation": {"artifactLocation": {"uri": note.path}},
            }
            for i, note in enumerate(diagnostic.notes)
        ]
    if diagnostic.fixes:
        result["fixes"] = [
            {
                "description": {"text": fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": path},
                        "replacements": [
                            {"deletedRegion": _region(index, e.span), "insertedContent": {"text": e.new_text}}
                            for e in fix.edits
                        ],
                    }
                ],
            }
            for fix in diagnostic.fixes
        ]
    return result
