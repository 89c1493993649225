"""docs/rules.md documents every registered code and is regenerated when the registry changes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from nki_compiler.diagnostics.codes import RULES

ROOT = Path(__file__).resolve().parents[2]


def _render() -> str:
    spec = importlib.util.spec_from_file_location("gen_rules_doc", ROOT / "scripts" / "gen_rules_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render()


def test_rules_doc_is_up_to_date(update: bool) -> None:
    path = ROOT / "docs" / "rules.md"
    expected = _render()
    if update:
        path.write_text(expected, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == expected, "run: python scripts/gen_rules_doc.py"


def test_every_code_has_an_anchor() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f'<a id="{code.lower()}"></a>' in text
        assert rule.url.endswith(f"#{code.lower()}")
