"""Open documents, their analysis and its cache: the state behind push and pull diagnostics.

Editor buffers are overlays of one `Workspace`, so kernels see the unsaved text of the helpers they
import. Results are cached per file and invalidated when the file, one of the project modules it
imports (transitively), or the settings change. Nothing here knows about LSP.

Freeing what an analysis leaves behind (the replaced version's tree, per-module memos, traversal
caches) waits until the current event-loop callback has published the result (`tidy`). The file
being edited keeps what was computed per top-level statement: its next version re-parses only the
statements an edit touched (`Workspace` keeps the last parsed version) and inherits the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from nki_compiler.check import CheckConfig, analyze
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.walk import clear_caches
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.incremental import FunctionCache
from nki_compiler.source import LineIndex
from nki_compiler.version import __version__

log = logging.getLogger(__name__)

#: Bound on the modules followed when computing what a file depends on (huge monorepos stay cheap).
MAX_DEPENDENCIES = 256


def normalize(path: str | Path) -> str:
    """The key under which `Workspace` stores a path (absolute, symlinks resolved)."""
    p = Path(path)
    try:
        return str(p.resolve())
    except (OSError, ValueError):  # too long for the file system, or an embedded NUL
        return str(p.absolute())


@dataclass(frozen=True)
class Analysis:
    """Diagnostics of one version of one file, with the line index of the exact text analysed."""

    path: str
    version: int | None
    generation: int
    index: LineIndex
    diagnostics: tuple[Diagnostic, ...]
    #: Files whose text this result depends on: its imports and the open kernels that reach into it.
    inputs: frozenset[str]
    seconds: float = 0.0

    @property
    def result_id(self) -> str:
        return f"{self.version}:{self.generation}"


@dataclass
class Documents:
    """Open documents (path -> version), the shared workspace and the per-file analysis cache.

    A file is analysed together with the open files that import it (transitively), so a helper
    shows the problems that the open kernels calling it put in kernel scope.
    """

    config: CheckConfig = field(default_factory=CheckConfig)
    workspace: Workspace = field(default_factory=Workspace)
    versions: dict[str, int | None] = field(default_factory=dict)
    cache: dict[str, Analysis] = field(default_factory=dict)
    #: Transitive project imports of each analysed open file (outlives cache entries).
    imports: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Inputs of each analysed open file (outlives cache entries, so chains of edits propagate).
    inputs: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Import closure by path, with the import statements it was computed from (kept while typing).
    closures: dict[str, tuple[tuple[str, ...], frozenset[str]]] = field(default_factory=dict)
    #: Open files whose diagnostics changed as a side effect of analysing another file.
    stale: set[str] = field(default_factory=set)
    #: Bumped whenever anything invalidates results, so pull clients see a new result id.
    generation: int = 0
    #: Per-function check results reused across versions (`incremental.py`); None analyses from scratch.
    function_cache: FunctionCache | None = field(default_factory=FunctionCache)
    #: The module each open file was last analysed as, and modules to free once results are out.
    analysed: dict[str, ModuleInfo] = field(default_factory=dict)
    retired: list[ModuleInfo] = field(default_factory=list)
    tidy_pending: bool = False
    #: The file opened or edited last: its modules keep their per-top-level-statement facts for the next
    #: version (`ModuleInfo.statement_fact`); other files' are freed like every other memo.
    editing: str | None = None
    keeping: list[ModuleInfo] = field(default_factory=list)

    # -- document lifecycle: each returns the open files whose diagnostics may have changed

    def open(self, path: str, text: str, version: int | None) -> set[str]:
        return self.change(path, text, version)

    def change(self, path: str, text: str, version: int | None) -> set[str]:
        path = normalize(path)
        self.editing = path  # opened or edited last: typing is likely to go on there
        self.versions[path] = version
        self._retire(path)
        self.workspace.set_text(path, text)
        self._forget_functions(keep=path)
        return self._invalidate(path)

    def close(self, path: str) -> set[str]:
        path = normalize(path)
        self.versions.pop(path, None)
        if self.editing == path:
            self.editing = None
        self._retire(path)
        self._tidy_later()
        self.workspace.overlays.pop(path, None)
        self.workspace.forget(path)
        self.cache.pop(path, None)
        self._forget_functions(keep=None)
        affected = self._invalidate(path)
        self.imports.pop(path, None)
        self.inputs.pop(path, None)
        return affected - {path}

    def disk_changed(self, path: str) -> set[str]:
        """A file changed on disk: open buffers keep their text, other modules are re-read."""
        path = normalize(path)
        if path not in self.versions:
            self.workspace.forget(path)
        self._forget_functions(keep=None)
        return self._invalidate(path)

    def set_config(self, config: CheckConfig) -> set[str]:
        self.config = config
        self.cache.clear()
        self._forget_functions(keep=None)
        self.generation += 1
        return set(self.versions)

    def is_open(self, path: str) -> bool:
        return normalize(path) in self.versions

    def take_stale(self) -> set[str]:
        stale, self.stale = self.stale & set(self.versions), set()
        return stale

    # -- analysis

    def analysis(self, path: str) -> Analysis:
        """Diagnostics of the current text of an open (or on-disk) file, from the cache when valid."""
        path = normalize(path)
        cached = self.cache.get(path)
        if cached is not None and cached.version == self.versions.get(path):
            return cached
        result = self._analyse(path)
        if path in self.versions:
            self.cache[path] = result
            self.inputs[path] = result.inputs
        return result

    def index(self, path: str) -> LineIndex | None:
        module = self._module(normalize(path))
        return module.source.index if module else None

    def module(self, path: str) -> ModuleInfo | None:
        return self._module(normalize(path))

    def _module(self, path: str) -> ModuleInfo | None:
        try:
            return self.workspace.module(path)
        except Exception:  # unreadable file, absurd input: a bug to log, never a crash
            log.exception("nki-ls %s: cannot load %s", __version__, path)
            return None

    def tidy(self) -> None:
        """Release what earlier analyses memoised and the trees of replaced versions."""
        self.tidy_pending = False
        # Only the newest version of the file being edited keeps its per-statement facts.
        kept = [m for m in (*self.keeping, *self.retired) if m.path == self.editing][-1:]
        for module in (*self.keeping, *self.retired):
            module.release_caches(keep_statements=any(module is k for k in kept))
        self.keeping = kept
        self.retired.clear()
        clear_caches()

    def _retire(self, path: str) -> None:
        module = self.analysed.pop(path, None)
        if module is not None:
            self.retired.append(module)

    def _tidy_later(self) -> None:
        """`tidy` after the current callback (which publishes), or now outside an event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.tidy()
            return
        if not self.tidy_pending:
            self.tidy_pending = True
            loop.call_soon(self.tidy)

    def _analyse(self, path: str) -> Analysis:
        if self.tidy_pending:
            self.tidy()
        started = time.perf_counter()
        version = self.versions.get(path)
        module = self._module(path)
        if module is None:
            return Analysis(path, version, self.generation, LineIndex(""), (), frozenset())
        imports = self._track_imports(module)
        importers = [m for m in (self._module(p) for p in self._importers(path)) if m is not None]
        try:
            results = analyze(
                self.workspace, [module, *importers], self.config, function_cache=self.function_cache
            )
            diagnostics = tuple(results.get(module.path, []))
        except Exception:  # internal error: log it with the version, keep serving
            log.exception("nki-ls %s: analysis of %s failed", __version__, path)
            diagnostics = ()
        inputs = imports.union(*(self.imports.get(m.path, frozenset()) | {m.path} for m in importers))
        if path in self.versions:
            self.analysed[path] = module
        self.retired += [module, *importers]  # their memos go; the modules stay while current
        elapsed = time.perf_counter() - started
        self._tidy_later()
        return Analysis(path, version, self.generation, module.source.index, diagnostics, inputs, elapsed)

    def _importers(self, path: str) -> list[str]:
        return sorted(
            p for p, imported in self.imports.items() if path in imported and p != path and p in self.versions
        )

    def _track_imports(self, module: ModuleInfo) -> frozenset[str]:
        """Record the file's import closure; open files entering or leaving it need new diagnostics."""
        key = tuple(sorted(f"{i.level}:{i.module}:{i.attr}" for i in module.imports.values()))
        known = self.closures.get(module.path)
        if known is not None and known[0] == key:
            imports = known[1]
        else:
            imports = frozenset(self._import_closure(module))
            self.closures[module.path] = (key, imports)
        if module.path in self.versions:
            previous = self.imports.get(module.path)
            if previous != imports:
                changed = imports if previous is None else imports ^ previous
                for other in changed & set(self.versions):
                    self.cache.pop(other, None)
                    self.stale.add(other)
            self.imports[module.path] = imports
        return imports

    def _import_closure(self, module: ModuleInfo) -> set[str]:
        """Project modules this one imports, transitively (bounded)."""
        seen: set[str] = set()
        queue = [module]
        while queue and len(seen) < MAX_DEPENDENCIES:
            current = queue.pop()
            for target in self._imported_modules(current):
                if target.path not in seen and target.path != module.path:
                    seen.add(target.path)
                    queue.append(target)
        return seen

    def _imported_modules(self, module: ModuleInfo) -> list[ModuleInfo]:
        found: list[ModuleInfo] = []
        for imported in module.imports.values():
            names = [imported.module]
            if imported.attr:  # `from pkg import helpers` may name a submodule
                names.append(f"{imported.module}.{imported.attr}" if imported.module else imported.attr)
            for name in names:
                try:
                    target = self.workspace.resolve_module(module, name, imported.level)
                except Exception:
                    log.exception("nki-ls %s: cannot resolve %s from %s", __version__, name, module.path)
                    target = None
                if target is not None:
                    found.append(target)
        return found

    def _forget_functions(self, keep: str | None) -> None:
        """Names in one file may resolve through another: a change keeps only the changed file's results."""
        if self.function_cache is not None:
            if keep is None:
                self.function_cache.clear()
            else:
                self.function_cache.forget_other_files(keep)

    def _invalidate(self, path: str) -> set[str]:
        # Other files' closures may run through `path`; its own is re-validated by its import statements.
        self.closures = {p: c for p, c in self.closures.items() if p == path}
        self.generation += 1
        self.cache.pop(path, None)
        affected = {path} if path in self.versions else set()
        for other, inputs in list(self.inputs.items()):
            if other == path or path in inputs:
                self.cache.pop(other, None)
                affected.add(other)
        return affected & set(self.versions)
