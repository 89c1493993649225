"""Which project file a corpus module needs that this copy of the corpus does not hold.

Modules are read, never imported: the AST's imports are followed transitively through the files below
the given source roots (relative imports resolved against the importing file's package). Imports of other
top-level packages (numpy, torch, nki, ...) are not followed: they are the environment, not the corpus.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class SourceRoots:
    """Folders whose top-level packages count as corpus code, e.g. `nki-library/src` (for `nkilib_src`)
    and `nki-library` (for the test harness package `test`)."""

    roots: tuple[Path, ...]
    overlays: tuple[tuple[str, Path], ...] = ()  # (package, folder): extra modules of that package

    def packages(self) -> dict[str, Path]:
        return {child.name: root for root in self.roots if root.is_dir() for child in root.iterdir()
                if child.is_dir() and not child.name.startswith(".")}  # fmt: skip

    def find(self, module: str) -> Path | None:
        """The file of dotted `module` (package `__init__.py`, or a folder without one), if present."""
        root = self.packages().get(module.split(".")[0])
        if root is None:
            return None
        bases = [root.joinpath(*module.split("."))]
        bases += [folder.joinpath(*module[len(package) + 1 :].split("."))
                  for package, folder in self.overlays if module.startswith(package + ".")]  # fmt: skip
        for base in bases:
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return next((base for base in bases if base.is_dir()), None)

    def owns(self, module: str) -> bool:
        return module.split(".")[0] in self.packages()

    def module_name(self, path: Path) -> str:
        for root in self.roots:
            if path.is_relative_to(root) and path.relative_to(root).parts[0] in self.packages():
                parts = path.relative_to(root).with_suffix("").parts
                return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        return path.stem


def first_absent_import(path: Path, roots: SourceRoots) -> str | None:
    """The first module (depth first, in file order) that `path` needs, directly or through the corpus
    modules it imports, and that `roots` do not hold; None when everything resolves."""
    seen: set[Path] = set()
    pending = [path]
    while pending:
        current = pending.pop()
        if current in seen or not current.is_file():
            continue
        seen.add(current)
        followed: list[Path] = []
        for module, required in _imported_modules(
            current, roots.module_name(current), current.name == "__init__.py"
        ):
            if not roots.owns(module):
                continue
            found = roots.find(module)
            if found is None:
                if required:
                    return module
                continue
            followed.extend(_package_inits(module, roots))
            followed.append(found)
        pending.extend(reversed(followed))
    return None


def _package_inits(module: str, roots: SourceRoots) -> Iterator[Path]:
    parts = module.split(".")
    for depth in range(1, len(parts)):
        found = roots.find(".".join(parts[:depth]))
        if found is not None and found.name == "__init__.py":
            yield found


def _imported_modules(path: Path, name: str, is_package: bool) -> list[tuple[str, bool]]:
    """(module, required) pairs: `from pkg import x` may name the submodule `pkg.x` (not required: it
    can be an attribute of `pkg`)."""
    return list(_cached_imports(path, path.stat().st_mtime_ns, name, is_package))


@lru_cache(maxsize=4096)
def _cached_imports(path: Path, _mtime: int, name: str, is_package: bool) -> tuple[tuple[str, bool], ...]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return ()
    package = name if is_package else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, True) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(package, node.module, node.level)
            if base is None:
                continue
            found.append((base, True))
            found.extend((f"{base}.{alias.name}", False) for alias in node.names if alias.name != "*")
    return tuple(found)


def _absolute(package: str, module: str | None, level: int) -> str | None:
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else [])) or None
