"""The kernel rows of the corpus's MANIFEST.md (its "Kernel files" table), read by column name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ManifestRow:
    repo: str
    file: str  # path inside the repository
    style: str  # B1 | B2
    ref: str  # yes | indirect | no
    tests: tuple[str, ...]  # the row's test files inside the repository ("(self: ...)" is the file itself)

    @property
    def path(self) -> str:
        """Corpus-relative path of the kernel file."""
        return f"{self.repo}/{self.file}"


def rows(manifest: Path) -> list[ManifestRow]:
    """Every row of the tables whose header has the columns repo, path, style, ref and test(s)."""
    found: list[ManifestRow] = []
    header: list[str] | None = None
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells) <= {"---", ":---", "---:", ":---:"} or not {"repo", "path", "style", "ref"} <= set(
            header
        ):
            continue
        found.append(_row(dict(zip(header, cells, strict=False))))
    return found


def _row(cells: dict[str, str]) -> ManifestRow:
    tests = tuple(
        cells["path"] if test.startswith("(self") else test.split(" ")[0]
        for test in cells.get("test(s)", "").split("<br>")
        if test.strip() and not test.startswith("(own") and not test.startswith("via ")
    )
    return ManifestRow(cells["repo"], cells["path"], cells["style"], cells["ref"], tests)


def reference_rows(manifest: Path) -> list[ManifestRow]:
    """The B2 rows whose kernels a test runs against a reference (`ref = yes`), in MANIFEST order."""
    return [row for row in rows(manifest) if row.style == "B2" and row.ref == "yes"]
