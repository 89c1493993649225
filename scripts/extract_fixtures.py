"""Extract §4's minimal fixtures from the rules spec into tests/data/fixtures/<CODE>_<bad|good>[_n].py.

The preamble is prepended to each fixture so every file is a self-contained module.
Usage: python scripts/extract_fixtures.py ../shared/spec/nki-language-rules.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests/data/fixtures"


def main(spec: str) -> None:
    text = Path(spec).read_text(encoding="utf-8")
    section = text[text.index("## 4. Test fixtures") :]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    preamble = "\n".join(line for line in blocks[0].splitlines() if not line.startswith("# PREAMBLE"))
    OUT.mkdir(parents=True, exist_ok=True)
    count = 0
    names: dict[str, int] = {}
    for block in blocks[1:]:
        for chunk in re.split(r"(?m)^(?=# FIXTURE )", block):
            match = re.match(r"# FIXTURE (NKI\d{3}) (bad|good)[^\n]*\n", chunk)
            if not match:
                continue
            stem = f"{match.group(1)}_{match.group(2)}"
            names[stem] = names.get(stem, 0) + 1
            if names[stem] > 1:
                stem += f"_{names[stem]}"
            body = chunk.rstrip() + "\n"
            (OUT / f"{stem}.py").write_text(preamble.strip() + "\n\n" + body, encoding="utf-8")
            count += 1
    print(f"{count} fixtures -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/spec/nki-language-rules.md")
