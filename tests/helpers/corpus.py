"""The third-party corpus (../shared/corpus): its MANIFEST rows, read as data."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

#: Files the MANIFEST lists as broken upstream: they must report exactly a syntax error.
KNOWN_SYNTAX_ERRORS = frozenset(
    {
        "nki-library/src/nkilib_src/nkilib/core/mlp/mlp.py",
        "aws-neuron-sdk/nki/examples/layout-dynamic-loop.py",
    }
)


@dataclass(frozen=True)
class CorpusFile:
    root: str
    path: str
    style: str  # "B2" (NKI >= 0.2) or "B1" (legacy)
    kernels: tuple[str, ...]
    ref: str

    @property
    def relative(self) -> str:
        return f"{self.root}/{self.path}"


@functools.cache
def manifest(corpus: Path) -> tuple[CorpusFile, ...]:
    rows = []
    for line in (corpus / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 10 or cells[3] not in ("B1", "B2") or not cells[1].endswith(".py"):
            continue
        kernels = tuple(k.strip() for k in cells[6].split(",") if k.strip())
        rows.append(CorpusFile(cells[0], cells[1], cells[3], kernels, cells[7]))
    return tuple(rows)


def locate(corpus: Path, entry: CorpusFile) -> Path | None:
    direct = corpus / entry.root / entry.path
    if direct.is_file():
        return direct
    matches = list((corpus / entry.root).rglob(Path(entry.path).name))
    matches = [m for m in matches if str(m).endswith(entry.path)]
    return matches[0] if matches else None
