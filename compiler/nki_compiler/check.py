"""Static checking of files and folders: the front-end half of the pipeline, as one call.

    results = check_paths(["kernels/"], CheckConfig(target="trn2"))
    for path, diagnostics in results.items(): ...

Never imports or executes the code it checks.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nki_compiler.diagnostics.codes import matches
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend import checks as _checks  # noqa: F401  (registers the checks)
from nki_compiler.frontend.checks.base import (
    CLASS_CHECKS,
    MODULE_CHECKS,
    CheckOptions,
    FunctionContext,
    ModuleContext,
    Reporter,
    run_function_checks,
)
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import KernelScope, build_scope
from nki_compiler.frontend.workspace import Workspace

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
_SUPPRESSION = re.compile(r"#\s*nki:\s*ignore(?:\[(?P<codes>[A-Za-z0-9_,\s]+)\])?")


@dataclass(frozen=True)
class CheckConfig:
    target: str = "trn2"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    frontend: str = "auto"
    exclude: tuple[str, ...] = ()

    def options(self) -> CheckOptions:
        # Opt-in rules are on only when selected by their exact code.
        return CheckOptions(self.target, self.frontend, frozenset(c for c in self.select if len(c) == 6))

    def wants(self, code: str) -> bool:
        if self.select and not matches(code, self.select):
            return False
        return not matches(code, self.ignore)


def discover(paths: Iterable[str | Path], exclude: tuple[str, ...] = ()) -> list[Path]:
    """`.py` files under the given files and folders, skipping virtualenvs, VCS folders and excludes."""
    found: list[Path] = []
    patterns = DEFAULT_EXCLUDES + exclude
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _excluded(d, patterns) and not d.startswith("."))
            found += [
                Path(root, f) for f in sorted(files) if f.endswith(".py") and not _excluded(f, patterns)
            ]
    return found


def _excluded(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, p) for p in patterns)


def check_paths(
    paths: Iterable[str | Path], config: CheckConfig | None = None, workspace: Workspace | None = None
) -> dict[str, list[Diagnostic]]:
    config = config or CheckConfig()
    workspace = workspace or Workspace()
    files = discover(paths, config.exclude)
    modules = [m for m in (workspace.module(f) for f in files) if m is not None]
    return analyze(workspace, modules, config)


def check_source(text: str, path: str = "kernel.py", config: CheckConfig | None = None) -> list[Diagnostic]:
    workspace = Workspace({str(Path(path).resolve()): text})
    module = workspace.module(path)
    assert module is not None
    return analyze(workspace, [module], config or CheckConfig())[module.path]


def analyze(
    workspace: Workspace, modules: list[ModuleInfo], config: CheckConfig
) -> dict[str, list[Diagnostic]]:
    """Diagnostics of the given modules (kernel scope is computed from their roots, across imports)."""
    scope = build_scope(workspace, modules)
    reporter = Reporter(config.options())
    wanted = {m.path for m in modules}
    for module in modules:
        _check_module(module, scope, reporter)
    results: dict[str, list[Diagnostic]] = {m.path: [] for m in modules}
    for diagnostic in reporter.diagnostics:
        if diagnostic.path in wanted and config.wants(diagnostic.code):
            results[diagnostic.path].append(diagnostic)
    for module in modules:
        kept = _apply_suppressions(module, results[module.path])
        results[module.path] = sorted(kept, key=lambda d: d.sort_key)
    return results


def _check_module(module: ModuleInfo, scope: KernelScope, reporter: Reporter) -> None:
    for diagnostic in module.parse_diagnostics:
        reporter.add(diagnostic)
    if module.tree is None:
        return
    context = ModuleContext(module, scope, reporter)
    for module_check in MODULE_CHECKS:
        module_check(context)
    for klass in scope.classes:
        if klass.module is module:
            for class_check in CLASS_CHECKS:
                class_check(context, klass)
    for function in scope.in_file(module.path):
        run_function_checks(FunctionContext(module, scope, reporter, function=function))


def _apply_suppressions(module: ModuleInfo, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    if "nki:" not in module.source.text:
        return diagnostics
    index = module.source.index
    kept = []
    for diagnostic in diagnostics:
        line = index.line_text(index.line_of(diagnostic.span.start))
        match = _SUPPRESSION.search(line)
        if match is None:
            kept.append(diagnostic)
            continue
        codes = match.group("codes")
        if codes and diagnostic.code not in {c.strip() for c in codes.split(",")}:
            kept.append(diagnostic)
    return kept
