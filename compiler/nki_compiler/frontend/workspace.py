"""A set of modules read from disk (or from editor buffers) and static resolution between them."""

from __future__ import annotations

import ast
from pathlib import Path

from nki_compiler.frontend.modules import Definition, ImportedName, ModuleInfo, module_name_candidates
from nki_compiler.source import SourceFile

_MAX_REEXPORT_HOPS = 4


class Workspace:
    """Loads modules lazily and caches them by path. `overlays` holds unsaved editor text by path."""

    def __init__(self, overlays: dict[str, str] | None = None, import_roots: tuple[Path, ...] = ()) -> None:
        self.overlays: dict[str, str] = dict(overlays or {})
        self._modules: dict[str, ModuleInfo | None] = {}
        # The last version of an edited file that parsed: the next version re-parses only what changed.
        self._bases: dict[str, ModuleInfo] = {}
        # folders absolute imports also resolve against (`src` of a src-layout package), after the ancestors
        self.import_roots = import_roots

    def set_text(self, path: str, text: str) -> None:
        key = _key(path)
        self.overlays[key] = text
        previous = self._modules.pop(key, None)
        if previous is not None and previous.tree is not None:
            self._bases[key] = previous

    def forget(self, path: str) -> None:
        self._modules.pop(_key(path), None)
        self._bases.pop(_key(path), None)

    def module(self, path: str | Path) -> ModuleInfo | None:
        if isinstance(path, str) and path in self._modules:  # already a resolved key: skip realpath
            return self._modules[path]
        key = _key(path)
        if key not in self._modules:
            self._modules[key] = self._load(key)
        return self._modules[key]

    def _load(self, key: str) -> ModuleInfo | None:
        text = self.overlays.get(key)
        base = self._bases.pop(key, None)
        if text is None:
            try:
                text = Path(key).read_text(encoding="utf-8", errors="replace")
            except (OSError, ValueError):
                return None
            base = None
        module = ModuleInfo.from_source(SourceFile(key, text), base)
        if module.tree is None and base is not None:
            self._bases[key] = base  # typing through a syntax error: keep the last tree to splice into
        return module

    def resolve_module(self, importer: ModuleInfo, module: str, level: int) -> ModuleInfo | None:
        candidates = module_name_candidates(Path(importer.path), module, level)
        if self.import_roots and not level:
            candidates += [
                c for root in self.import_roots for c in module_name_candidates(root / "_", module, 1)
            ]
        for candidate in candidates:
            # one stat per candidate; resolving symlinks is only needed to look up editor overlays
            if _is_file(candidate) or (self.overlays and _key(candidate) in self.overlays):
                return self.module(candidate)
        return None

    def resolve_name(
        self, module: ModuleInfo, name: str, hops: int = 0
    ) -> tuple[ModuleInfo, Definition] | None:
        """The definition a module-level name refers to, following `from x import name` chains."""
        definition = module.definitions.get(name)
        if definition is not None:
            return module, definition
        imported = module.imports.get(name)
        if imported is None or hops > _MAX_REEXPORT_HOPS:
            return None
        return self.resolve_imported(module, imported, hops + 1)

    def resolve_imported(
        self, module: ModuleInfo, imported: ImportedName, hops: int = 0
    ) -> tuple[ModuleInfo, Definition] | None:
        if imported.attr is None:
            return None
        if _is_external(imported):
            return None
        target = self.resolve_module(module, imported.module, imported.level)
        if target is None or target is module:
            return None
        return self.resolve_name(target, imported.attr, hops)

    def resolve_attribute(
        self, module: ModuleInfo, expr: ast.Attribute
    ) -> tuple[ModuleInfo, Definition] | None:
        """`mod.func` / `pkg.mod.func` where `mod` is an imported project module."""
        chain: list[str] = []
        node: ast.expr = expr
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in module.imports:
            return None
        imported = module.imports[node.id]
        if _is_external(imported):
            return None
        chain.reverse()
        parts = [imported.module] if imported.module else []
        if imported.attr:
            parts.append(imported.attr)
        parts += chain[:-1]
        target = self.resolve_module(module, ".".join(parts), imported.level)
        attr = chain[-1]
        if target is None:
            return None
        return self.resolve_name(target, attr)


_EXTERNAL_ROOTS = frozenset(
    {
        "nki",
        "neuronxcc",
        "numpy",
        "torch",
        "jax",
        "math",
        "dataclasses",
        "enum",
        "typing",
        "functools",
        "os",
        "sys",
        "logging",
        "collections",
        "itertools",
        "abc",
        "re",
        "torch_neuronx",
        "jax_neuronx",
    }
)


def _is_external(imported: ImportedName) -> bool:
    return imported.level == 0 and imported.module.split(".")[0] in _EXTERNAL_ROOTS


def _key(path: str | Path) -> str:
    p = Path(path)
    try:
        return str(p.resolve())
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL
        return str(p.absolute())


def _is_file(path: Path) -> bool:
    """False for names no file can have (too long, NUL) instead of raising, like a missing file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False
