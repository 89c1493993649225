"""Specialization results of the open files' kernels, cached per file version, for diagnostics and hovers.

Only kernels whose every parameter has an argument fact (pragma, pyproject, `nt.tensor`) or a default
are specialized; the others cost nothing. The editor uses small budgets so a huge unrolled kernel never
stalls the server; a failure inside the specializer is logged and yields no diagnostics for that kernel.
"""

from __future__ import annotations

import ast
import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from nki_compiler.check import CheckConfig, apply_suppressions
from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import kernel_roots
from nki_compiler.source import Span
from nki_compiler.specializer import SpecializeResult, specialize
from nki_compiler.specializer.emit import Budgets, ScalarValues, TensorFact
from nki_compiler.specializer.facts import annotation_facts, pragma_facts, pyproject_facts
from nki_compiler.version import __version__
from nki_ls.features.diagnostics import Documents, normalize

log = logging.getLogger(__name__)

#: Budgets for specializations made while editing (the commands use the specializer's defaults).
EDITOR_BUDGETS = Budgets(instructions=200_000, while_iterations=20_000, seconds=2.0)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class KernelFacts:
    """Where each parameter's argument facts come from, and which parameters have none."""

    name: str
    node: FunctionNode
    sources: dict[str, str]  # parameter -> "pragma" | "pyproject" | "annotation" | "default"
    missing: tuple[str, ...]

    @property
    def known(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class FileSpecialization:
    path: str
    version: int | None
    generation: int
    kernels: tuple[KernelFacts, ...]
    results: dict[str, SpecializeResult] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    def facts_at(self, span: Span) -> list[TensorFact]:
        """Facts of the tensor bound at exactly this span, over every specialized kernel."""
        found: list[TensorFact] = []
        for result in self.results.values():
            for fact in result.facts_by_path.get(self.path, {}).get(span, []):
                if fact not in found:
                    found.append(fact)
        return found

    def facts_in(self, start: int, end: int) -> dict[Span, list[TensorFact]]:
        """Every recorded span of this file inside `[start, end)` with its facts."""
        merged: dict[Span, list[TensorFact]] = {}
        for result in self.results.values():
            for span, facts in result.facts_by_path.get(self.path, {}).items():
                if start <= span.start and span.end <= end:
                    bucket = merged.setdefault(span, [])
                    bucket.extend(f for f in facts if f not in bucket)
        return merged

    def scalars_at(self, span: Span) -> ScalarValues | None:
        """Compile-time values bound at exactly this span, over every specialized kernel."""
        found = [
            slot
            for result in self.results.values()
            if (slot := result.scalar_facts_by_path.get(self.path, {}).get(span)) is not None
        ]
        return _merged(found)

    def scalars_in(self, start: int, end: int) -> dict[Span, ScalarValues]:
        """Every span of this file inside `[start, end)` bound to something other than a tensor."""
        found: dict[Span, list[ScalarValues]] = {}
        for result in self.results.values():
            for span, slot in result.scalar_facts_by_path.get(self.path, {}).items():
                if start <= span.start and span.end <= end:
                    found.setdefault(span, []).append(slot)
        return {span: merged for span, slots in found.items() if (merged := _merged(slots)) is not None}


def _merged(slots: list[ScalarValues]) -> ScalarValues | None:
    if len(slots) <= 1:
        return slots[0] if slots else None
    merged = ScalarValues()
    for slot in slots:
        merged.merge(slot)
    return merged


def kernel_facts(module: ModuleInfo) -> list[KernelFacts]:
    """The module's top-level kernels with the sources of their argument facts."""
    kernels: list[KernelFacts] = []
    for node in kernel_roots(module):
        if module.definitions.get(node.name) is not node:
            continue  # nested or shadowed: the specializer starts from top-level definitions only
        kernels.append(_facts_of(module, node))
    return kernels


def _facts_of(module: ModuleInfo, node: FunctionNode) -> KernelFacts:
    sources: dict[str, str] = {}
    for origin, found in (
        ("pragma", pragma_facts(module, node)),
        ("pyproject", pyproject_facts(module, node.name)),
        ("annotation", annotation_facts(module, node)),
    ):
        for name in found:
            sources.setdefault(name, origin)
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    with_default = (
        {p.arg for p in positional[len(positional) - len(args.defaults) :]} if args.defaults else set()
    )
    with_default |= {p.arg for p, d in zip(args.kwonlyargs, args.kw_defaults, strict=False) if d is not None}
    missing: list[str] = []
    for param in [*positional, *args.kwonlyargs]:
        if param.arg not in sources:
            if param.arg in with_default:
                sources[param.arg] = "default"
            else:
                missing.append(param.arg)
    return KernelFacts(node.name, node, sources, tuple(missing))


@dataclass
class Specializations:
    """Per open file: the latest specialization, valid while the file's version and generation hold."""

    documents: Documents
    cache: dict[str, FileSpecialization] = field(default_factory=dict)

    def cached(self, path: str) -> FileSpecialization | None:
        """The result for the current text, or None when it has not been computed yet."""
        path = normalize(path)
        entry = self.cache.get(path)
        if entry is None or not self._current(entry):
            return None
        return entry

    def get(self, path: str, target: str) -> FileSpecialization | None:
        """The result for the current text, specializing the file's kernels when needed."""
        path = normalize(path)
        entry = self.cached(path)
        if entry is not None:
            return entry
        module = self.documents.module(path)
        if module is None or module.tree is None:
            return None
        entry = self._specialize(path, module, target)
        if self.documents.is_open(path):
            self.cache[path] = entry
        return entry

    def diagnostics(
        self, path: str, config: CheckConfig, front_end: tuple[Diagnostic, ...], compute: bool = True
    ) -> list[Diagnostic]:
        """Specializer diagnostics of the current text not already reported by the front end.

        Without `compute`, only an up-to-date cached result counts (the typing path never specializes).
        """
        entry = self.get(path, config.target) if compute else self.cached(path)
        if entry is None:
            return []
        known = {(d.code, d.span) for d in front_end}
        return [
            d
            for d in entry.diagnostics
            if (d.code, d.span) not in known
            and config.wants(d.code)
            and not _opt_in_unselected(d.code, config)
        ]

    def forget(self, path: str) -> None:
        self.cache.pop(normalize(path), None)

    def _current(self, entry: FileSpecialization) -> bool:
        return (
            entry.version == self.documents.versions.get(entry.path)
            and entry.generation == self.documents.generation
        )

    def _specialize(self, path: str, module: ModuleInfo, target: str) -> FileSpecialization:
        version, generation = self.documents.versions.get(path), self.documents.generation
        try:
            kernels = tuple(kernel_facts(module))
        except Exception:
            log.exception("nki-ls %s: argument facts of %s failed", __version__, path)
            return FileSpecialization(path, version, generation, ())
        results: dict[str, SpecializeResult] = {}
        diagnostics: list[Diagnostic] = []
        for kernel in kernels:
            if not kernel.known:
                continue
            try:
                result = specialize(
                    self.documents.workspace, module, kernel.name, target=target, budgets=EDITOR_BUDGETS
                )
            except Exception:  # a specializer bug: log it, keep the front end's diagnostics
                log.exception("nki-ls %s: specializing %s::%s failed", __version__, path, kernel.name)
                continue
            results[kernel.name] = result
            diagnostics.extend(d for d in result.diagnostics if d.path == path and d not in diagnostics)
        kept = tuple(apply_suppressions(module, sorted(diagnostics, key=lambda d: d.sort_key)))
        return FileSpecialization(path, version, generation, kernels, results, kept)


class Deferred:
    """Runs `run({path})` once a path has been quiet for `delay` seconds (a trailing debounce)."""

    def __init__(self, run: Callable[[set[str]], None], delay: float) -> None:
        self._run = run
        self._delay = delay
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def schedule(self, paths: set[str], delay: float | None = None) -> None:
        for path in paths:
            self.cancel(path)
            wait = self._delay if delay is None else delay
            self._timers[path] = _loop().call_later(wait, self._fire, path)

    def cancel(self, path: str) -> None:
        timer = self._timers.pop(path, None)
        if timer is not None:
            timer.cancel()

    def _fire(self, path: str) -> None:
        self._timers.pop(path, None)
        try:
            self._run({path})
        except Exception:  # a failed pass must not stop later ones
            log.exception("nki-ls %s: specialization pass for %s failed", __version__, path)


def _loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def _opt_in_unselected(code: str, config: CheckConfig) -> bool:
    try:
        return bool(rule(code).opt_in) and code not in config.select
    except Exception:
        return False
