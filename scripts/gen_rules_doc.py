"""Write docs/rules.md: the documentation of every diagnostic code, from the registry.

Usage: python scripts/gen_rules_doc.py   (tests/compiler/test_rules_doc.py fails when it is stale)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "compiler"))

from nki_compiler.diagnostics.codes import RULES  # noqa: E402

FAMILIES = {
    "NKI0": "Python subset",
    "NKI1": "Values, containers, classes, kernel arguments, calls",
    "NKI2": "Specialization and control flow",
    "NKI3": "Tensors, layout, indexing, views",
    "NKI4": "API contracts",
    "NKI5": "Migration from NKI Beta 1 and 0.2-0.5",
    "NKI6": "Back end: allocation",
    "NKI7": "Simulation findings",
    "NKI9": "Hints",
}


def render() -> str:
    lines = [
        "# Diagnostic codes",
        "",
        "Generated from the registry (`compiler/nki_compiler/diagnostics/`) by `scripts/gen_rules_doc.py`.",
        "Severity is the default; `(opt-in)` codes run only when selected by their exact code.",
        "",
    ]
    for prefix, title in FAMILIES.items():
        rules = [r for code, r in sorted(RULES.items()) if code.startswith(prefix)]
        if not rules:
            continue
        lines += [f"## {prefix}xx — {title}", ""]
        for rule in rules:
            severity = rule.severity.value if rule.severity else "no diagnostic"
            opt_in = " (opt-in)" if rule.opt_in else ""
            lines += [f'<a id="{rule.code.lower()}"></a>', "", f"### {rule.code} — {severity}{opt_in}", ""]
            lines += [f"> {rule.template}", "", f"- **Flags:** {rule.flags}", f"- **Why:** {rule.basis}"]
            lines += [f"- **Fix:** {rule.fix}"]
            if rule.version:
                lines += [f"- **Since:** NKI {rule.version}"]
            if rule.example:
                lines += ["", "```python", rule.example, "```"]
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    out = ROOT / "docs" / "rules.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(render(), encoding="utf-8")
    print(f"{len(RULES)} codes -> {out}")


if __name__ == "__main__":
    main()
