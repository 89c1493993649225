"""Which `.py` files a folder holds for checking: `.gitignore` rules, built-in and user excludes.

Rules come from every `.gitignore` between the enclosing repository root (the nearest parent with a
`.git`) and each walked folder, deeper files taking precedence as in git; within one file the last
matching pattern wins, `!pattern` re-includes. `pathspec` implements git's wildmatch (anchoring, `**`,
directory-only patterns), which `fnmatch` does not. Excludes given by the user (`--exclude`) and the
built-in ones (virtualenvs, caches) are gitignore-style patterns relative to the walked folder and always
win. A file named on the command line is checked even when ignored, as in ruff and git.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".mypy_cache",
)
_MAX_PARENT_LEVELS = 64


@dataclass(frozen=True)
class IgnoreFile:
    """The rules of one `.gitignore`, which apply to paths below `base`."""

    base: Path
    spec: GitIgnoreSpec

    def verdict(self, path: Path, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a `!` pattern, None: no pattern matches."""
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return None
        return self.spec.check_file(relative + "/" if is_dir else relative).include


def discover(paths: Iterable[str | Path], exclude: tuple[str, ...] = ()) -> list[Path]:
    """`.py` files under the given files and folders, in a stable order, without ignored ones."""
    found: list[Path] = []
    excludes = GitIgnoreSpec.from_lines([*DEFAULT_EXCLUDES, *exclude])
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += _walk(path, excludes)
    return found


def _walk(root: Path, excludes: GitIgnoreSpec) -> list[Path]:
    found: list[Path] = []
    absolute_root = root.resolve()
    rules_by_dir: dict[Path, list[IgnoreFile]] = {}
    for current, dirs, files in os.walk(root):
        folder = Path(current)
        relative_folder = folder.relative_to(root)
        absolute_folder = absolute_root / relative_folder
        if folder == root:
            rules = _enclosing_ignore_files(absolute_root) + _read_ignore_file(absolute_folder)
        else:
            rules = rules_by_dir[folder.parent] + _read_ignore_file(absolute_folder)
        rules_by_dir[folder] = rules

        def keep(
            name: str, is_dir: bool, relative_folder: Path = relative_folder, rules: list[IgnoreFile] = rules
        ) -> bool:
            relative = (relative_folder / name).as_posix() + ("/" if is_dir else "")
            return not excludes.match_file(relative) and not _ignored(absolute_root / relative, is_dir, rules)

        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and keep(d, True))
        found += [folder / f for f in sorted(files) if f.endswith(".py") and keep(f, False)]
    return found


def _ignored(path: Path, is_dir: bool, rules: list[IgnoreFile]) -> bool:
    for ignore_file in reversed(rules):  # the deepest .gitignore decides first
        verdict = ignore_file.verdict(path, is_dir)
        if verdict is not None:
            return verdict
    return False


def _enclosing_ignore_files(absolute_root: Path) -> list[IgnoreFile]:
    """`.gitignore` files of the parents of a folder up to its repository root (none outside a repository)."""
    if (absolute_root / ".git").exists():
        return []
    parents: list[Path] = []
    for parent in list(absolute_root.parents)[:_MAX_PARENT_LEVELS]:
        parents.append(parent)
        if (parent / ".git").exists():
            break
    else:
        return []
    return [rule for parent in reversed(parents) for rule in _read_ignore_file(parent)]


def _read_ignore_file(folder: Path) -> list[IgnoreFile]:
    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [IgnoreFile(folder, GitIgnoreSpec.from_lines(text.splitlines()))]
