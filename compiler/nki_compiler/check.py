"""Static checking of files and folders: the front-end half of the pipeline, as one call.

    results = check_paths(["kernels/"], CheckConfig(target="trn2"))
    for path, diagnostics in results.items(): ...

Never imports or executes the code it checks.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from nki_compiler.diagnostics.codes import matches
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.discovery import DEFAULT_EXCLUDES, discover  # noqa: F401  (re-exported)
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

if TYPE_CHECKING:
    from nki_compiler.incremental import FunctionCache

T = TypeVar("T")
#: `# nki: ignore` (every code) or `# nki: ignore[NKI203, NKI301]` at the end of a line.
SUPPRESSION = re.compile(r"#\s*nki:\s*ignore(?P<bracket>\[(?P<codes>[A-Za-z0-9_,\s]*)\])?")


@dataclass(frozen=True)
class CheckConfig:
    target: str = "trn2"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    frontend: str = "auto"
    exclude: tuple[str, ...] = ()
    jobs: int = 1  # worker processes for check_paths; 0: one per core when there are many files

    def options(self) -> CheckOptions:
        # Opt-in rules are on only when selected by their exact code.
        return CheckOptions(self.target, self.frontend, frozenset(c for c in self.select if len(c) == 6))

    def wants(self, code: str) -> bool:
        if self.select and not matches(code, self.select):
            return False
        return not matches(code, self.ignore)


@dataclass(frozen=True)
class InternalError:
    """An exception escaped the analysis of `path`: a defect of this tool, never a diagnostic."""

    path: str
    stage: str
    details: str  # the formatted traceback


def check_paths(
    paths: Iterable[str | Path],
    config: CheckConfig | None = None,
    workspace: Workspace | None = None,
    errors: list[InternalError] | None = None,
) -> dict[str, list[Diagnostic]]:
    """Diagnostics per file. With `errors`, internal errors are collected there and the other checks
    and files go on; without it they propagate (tests want to see them)."""
    config = config or CheckConfig()
    files = discover(paths, config.exclude)
    if workspace is None:
        from nki_compiler.parallel import check_in_parallel  # noqa: PLC0415  (pulls in multiprocessing)

        parallel = check_in_parallel(files, config, errors)
        if parallel is not None:
            return parallel
    workspace = workspace or Workspace()
    return analyze(workspace, load_modules(workspace, files, errors), config, errors)


def load_modules(
    workspace: Workspace, files: list[Path], errors: list[InternalError] | None
) -> list[ModuleInfo]:
    loaded = (_guarded(errors, str(file), "loading", partial(workspace.module, file)) for file in files)
    return [module for module in loaded if module is not None]


def check_source(text: str, path: str = "kernel.py", config: CheckConfig | None = None) -> list[Diagnostic]:
    workspace = Workspace({str(Path(path).resolve()): text})
    module = workspace.module(path)
    assert module is not None
    return analyze(workspace, [module], config or CheckConfig())[module.path]


def analyze(
    workspace: Workspace,
    modules: list[ModuleInfo],
    config: CheckConfig,
    errors: list[InternalError] | None = None,
    function_cache: FunctionCache | None = None,
) -> dict[str, list[Diagnostic]]:
    """Diagnostics of the given modules (kernel scope is computed from their roots, across imports).
    A `function_cache` (`incremental.py`) reuses per-function results of earlier versions."""
    return analyze_with_scope(workspace, modules, config, errors, function_cache)[0]


def analyze_with_scope(
    workspace: Workspace,
    modules: list[ModuleInfo],
    config: CheckConfig,
    errors: list[InternalError] | None = None,
    function_cache: FunctionCache | None = None,
) -> tuple[dict[str, list[Diagnostic]], KernelScope]:
    where = modules[0].path if len(modules) == 1 else "<kernel scope>"
    references = function_cache.references if function_cache is not None else None
    build = partial(build_scope, workspace, modules, references)
    scope = _guarded(errors, where, "kernel scope", build) or KernelScope()
    reporter = Reporter(config.options())
    wanted = {m.path for m in modules}
    for module in modules:
        _check_module(module, scope, reporter, errors, function_cache)
    results: dict[str, list[Diagnostic]] = {m.path: [] for m in modules}
    for diagnostic in reporter.diagnostics:
        if diagnostic.path in wanted and config.wants(diagnostic.code):
            results[diagnostic.path].append(diagnostic)
    for module in modules:
        kept = apply_suppressions(module, results[module.path])
        results[module.path] = sorted(kept, key=lambda d: d.sort_key)
    return results, scope


def _check_module(
    module: ModuleInfo,
    scope: KernelScope,
    reporter: Reporter,
    errors: list[InternalError] | None,
    function_cache: FunctionCache | None = None,
) -> None:
    for diagnostic in module.parse_diagnostics:
        reporter.add(diagnostic)
    if module.tree is None:
        return
    context = ModuleContext(module, scope, reporter, function_cache)
    path = module.path
    for module_check in MODULE_CHECKS:
        _guarded(errors, path, _name(module_check), partial(module_check, context))
    for klass in scope.classes:
        if klass.module is module:
            for class_check in CLASS_CHECKS:
                _guarded(errors, path, _name(class_check), partial(class_check, context, klass))
    for function in scope.in_file(path):
        function_context = FunctionContext(module, scope, reporter, function=function)
        run = partial(context.run_function, function_context, run_function_checks)
        _guarded(errors, path, f"checks of `{function.name}`", run)


def _guarded(errors: list[InternalError] | None, path: str, stage: str, action: Callable[[], T]) -> T | None:
    """Run one unit of analysis; with an `errors` list, a crash is recorded there and the rest goes on."""
    if errors is None:
        return action()
    try:
        return action()
    except Exception:  # a defect in one check must not hide the results of the others
        errors.append(InternalError(path, stage, traceback.format_exc()))
        return None


def _name(check: Callable[..., object]) -> str:
    return f"{getattr(check, '__module__', '?')}.{getattr(check, '__qualname__', repr(check))}"


def apply_suppressions(module: ModuleInfo, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Drop the diagnostics whose first line carries a matching `# nki: ignore` comment."""
    if "nki:" not in module.source.text:
        return diagnostics
    index = module.source.index
    kept = []
    for diagnostic in diagnostics:
        line = index.line_text(index.line_of(diagnostic.span.start))
        match = SUPPRESSION.search(line)
        if match is None:
            kept.append(diagnostic)
            continue
        codes = match.group("codes")
        if codes and diagnostic.code not in {c.strip() for c in codes.split(",")}:
            kept.append(diagnostic)
    return kept
