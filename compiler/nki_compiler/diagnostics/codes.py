"""The diagnostic code registry: one `Rule` per catalogue row (nki-language-rules.md §3).

Every code a check may emit is registered here with its default severity, message template and
documentation, including codes that later stages implement. Templates use `<name>` placeholders,
filled by `Rule.format(**params)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nki_compiler.diagnostics.catalogue import ROWS
from nki_compiler.diagnostics.model import Severity

DOCS_URL = "https://github.com/nki-toolchain/nki-toolchain/blob/main/docs/rules.md#{anchor}"

_SEVERITY = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFORMATION}
_PLACEHOLDER = re.compile(r"<([a-zA-Z_][\w/-]*)>")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity | None  # None: the row documents a change that emits no diagnostic
    template: str
    flags: str  # what it flags
    basis: str  # why: the documentation or front-end evidence behind it
    fix: str  # the fix the catalogue describes ("M: ...", "A: ...", or "—")
    example: str  # a minimal kernel that triggers it ("" when the catalogue has none)
    opt_in: bool = False
    version: str = ""

    @property
    def emits(self) -> bool:
        return self.severity is not None

    @property
    def family(self) -> str:
        return self.code[:4] + "xx"

    @property
    def url(self) -> str:
        return DOCS_URL.format(anchor=self.code.lower())

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.template))

    def format(self, **params: object) -> str:
        """Fill `<name>` placeholders; unknown placeholders stay as written."""

        def fill(match: re.Match[str]) -> str:
            key = match.group(1).replace("/", "_").replace("-", "_")
            return str(params[key]) if key in params else match.group(0)

        text = _PLACEHOLDER.sub(fill, self.template)
        return text.replace("`", "") if params.get("plain") else text

    def documentation(self) -> str:
        """Markdown documentation: what it flags, why, example, fix."""
        parts = [
            f"### {self.code}: {self.template}",
            "",
            f"**Flags:** {self.flags}",
            "",
            f"**Why:** {self.basis}",
        ]
        if self.example:
            parts += ["", "**Example:**", "", "```python", self.example, "```"]
        parts += ["", f"**Fix:** {self.fix}"]
        return "\n".join(parts)


def _build() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for row in ROWS:
        severity = _SEVERITY.get(row["severity"] or "")
        rules[row["code"]] = Rule(
            code=row["code"],
            severity=severity,
            template=row["message"],
            flags=row["flags"],
            basis=row["basis"],
            fix=row["fix"],
            example=row["example"],
            opt_in=row["opt_in"],
            version=row["version"],
        )
    # Internal codes (not in the catalogue): the front end's own failures.
    rules["NKI000"] = Rule(
        "NKI000",
        Severity.ERROR,
        "syntax error: <detail>",
        "a file that Python cannot parse",
        "nothing else can be checked until the file parses",
        "—",
        "",
    )
    # Specializer codes (not in the catalogue): the meta-program itself fails at compile time.
    rules["NKI218"] = Rule(
        "NKI218",
        Severity.ERROR,
        "compile-time assertion failed: <message>",
        "an `assert` whose condition is false for the declared argument facts",
        "asserts run during specialization; a failing one is a compile error (nki-language-rules.md §2.6)",
        "—",
        "",
    )
    rules["NKI219"] = Rule(
        "NKI219",
        Severity.ERROR,
        "specialization budget exceeded: <detail>",
        "a loop, `while` or call chain that unrolls past the specializer's budgets",
        "unrolling is done at compile time; use a runtime loop (`nl.fori_loop`) for long loops",
        "—",
        "",
    )
    return rules


RULES: dict[str, Rule] = _build()


def rule(code: str) -> Rule:
    try:
        return RULES[code]
    except KeyError:
        raise KeyError(f"unknown diagnostic code {code!r}") from None


def matches(code: str, patterns: tuple[str, ...]) -> bool:
    """`--select`/`--ignore` semantics: a pattern is a code or a prefix (`NKI0`, `NKI5`, `NKI`)."""
    return any(code.startswith(p) for p in patterns)
