"""The worker process behind `nki.run` and run-on-save: `python -m nki_ls.features.run_worker`.

It reads one JSON request on stdin (`path`, `kernels`, `target`, `seed`, `backend`, `overlays` = unsaved
editor texts by path) and writes one JSON object per line on stdout: `{"event": "start", "kernel"}` before
each kernel, `{"event": "kernel", ...}` with its result, `{"event": "done"}` at the end. The kernel's own
output (`nl.device_print`) goes to stderr so it cannot corrupt the events.

Findings are diagnostics placed on the saved file: a runtime error at the instruction that failed, NaN in
the outputs at the instruction where the first NaN appeared (or the `return`), and the back end's
allocation errors. The server turns them into LSP diagnostics; this process never talks LSP.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic, Note, Severity
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir.program import Origin, Program
from nki_compiler.source import LineIndex, Span
from nki_compiler.specializer import ArgumentFact, SpecializeResult, specialize

#: Simulator errors that describe a limitation of our IR, not a problem of the kernel: logged, not shown.
LIMITATIONS = ("not carried by the IR",)


@dataclass
class KernelRun:
    kernel: str
    summary: list[str] = field(default_factory=list)
    error: str | None = None
    findings: list[Diagnostic] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def run_kernel(
    workspace: Workspace, module: ModuleInfo, kernel: str, target: str, seed: int, backend: bool
) -> KernelRun:
    """Specialize `kernel`, run the back end (when asked) and simulate it on seeded random inputs."""
    outcome = KernelRun(kernel)
    result = specialize(workspace, module, kernel, target=target)
    if result.program is None or any(d.severity is Severity.ERROR for d in result.diagnostics):
        outcome.error = "the kernel does not compile (see its diagnostics)"
        return outcome
    missing = [n for n, v in result.arguments.items() if isinstance(v, ArgumentFact) and v.dtype == "?"]
    if not result.complete or missing:
        outcome.error = "some argument facts are unknown; declare them with `# nki: args ...`"
        return outcome
    if backend:
        outcome.findings += _backend_findings(result.program, module.path)
    _simulate(result, module, kernel, seed, outcome)
    return outcome


def _backend_findings(program: Program, path: str) -> list[Diagnostic]:
    from nki_compiler.backend import run_backend

    allocation = run_backend(program).allocation
    return [d for d in allocation.diagnostics if d.path == path]


def _simulate(
    result: SpecializeResult, module: ModuleInfo, kernel: str, seed: int, outcome: KernelRun
) -> None:
    from nki_ls.features.run_tracking import TrackedExecution
    from nki_ls.run_command import random_input, summary_line
    from nki_sim import SimulationError
    from nki_sim.errors import OutOfBoundsError
    from nki_sim.machine import Machine

    program = result.program
    assert program is not None
    rng = np.random.default_rng(seed)
    inputs = {n: random_input(f, rng) for n, f in result.arguments.items() if isinstance(f, ArgumentFact)}
    execution = TrackedExecution(program, Machine(program.target, 1, None, seed))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            execution.bind_inputs(inputs)
            execution.run_nodes(program.body)
            outputs = [execution.output(value) for value in program.outputs]
    except SimulationError as error:
        outcome.error = f"runtime error: {error}"
        if any(text in error.message for text in LIMITATIONS) or execution.current is None:
            outcome.log.append(f"{kernel}: not simulated: {error}")
            return
        code = "NKI701" if isinstance(error, OutOfBoundsError) else "NKI704"
        params = {"opcode": error.opcode, "detail": error.message, "rule": error.rule}
        outcome.findings.append(_finding(code, module, kernel, execution.current, params))
        return
    arrays = [(f"out[{i}]", v) for i, v in enumerate(outputs) if isinstance(v, np.ndarray)]
    outcome.summary = [summary_line(name, array) for name, array in arrays]
    outcome.findings += _nan_findings(module, kernel, arrays, execution.nan, seed)


def _nan_findings(
    module: ModuleInfo, kernel: str, arrays: list[tuple[str, np.ndarray]], nan: Any, seed: int
) -> list[Diagnostic]:
    for name, array in arrays:
        count = _nan_count(array)
        if not count:
            continue
        params = {"out": name, "n": count, "total": array.size, "seed": seed}
        if nan is not None and nan.read:
            params |= {"opcode": nan.opcode, "t": nan.tensor}
            return [_finding("NKI702", module, kernel, nan.origin, params)]
        if nan is not None:
            params |= {"opcode": nan.opcode}
            return [_finding("NKI703", module, kernel, nan.origin, params)]
        span = _return_span(module, kernel)
        if span is None:
            return []
        params |= {"opcode": "return"}
        return [_diagnostic("NKI703", module.path, span, params)]
    return []


def _nan_count(array: np.ndarray) -> int:
    try:
        return int(np.isnan(np.asarray(array, dtype=np.float64)).sum())
    except (TypeError, ValueError):
        return 0


def _finding(
    code: str, module: ModuleInfo, kernel: str, origin: Origin, params: dict[str, Any]
) -> Diagnostic:
    """A diagnostic on the saved file: at the instruction, or at the call in this file that led to it."""
    if origin.path == module.path:
        return _diagnostic(code, module.path, origin.span, params)
    calls = [call for _name, path, call in origin.chain if path == module.path]
    span = calls[-1] if calls else def_span(module, kernel)
    note = Note(f"the instruction is at {origin.path}:{_line_of(origin)}", module.path, span)
    found = _diagnostic(code, module.path, span, params)
    return Diagnostic(found.code, found.severity, found.message, found.path, span, notes=(note,))


def _line_of(origin: Origin) -> int:
    try:
        with open(origin.path, encoding="utf-8") as handle:
            return LineIndex(handle.read()).line_of(origin.span.start) + 1
    except (OSError, UnicodeDecodeError):
        return 0


def def_span(module: ModuleInfo, kernel: str) -> Span:
    """The kernel's name in its `def` line (the start of the file when it cannot be found)."""
    node = module.definitions.get(kernel)
    span = module.source.index.span_of_ast(node) if node is not None else None
    if span is None:
        return Span(0, 0)
    text = module.source.text
    start = text.find(kernel, max(text.find("def", span.start), span.start))
    return Span(start, start + len(kernel)) if start >= 0 else Span(span.start, span.start)


def _diagnostic(code: str, path: str, span: Span, params: dict[str, Any]) -> Diagnostic:
    registered = rule(code)
    severity = registered.severity or Severity.WARNING
    return Diagnostic(code, severity, registered.format(**params), path, span)


def _return_span(module: ModuleInfo, kernel: str) -> Span | None:
    node = module.definitions.get(kernel)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
    return module.source.index.span_of_ast(returns[-1]) if returns else def_span(module, kernel)


# -- the process: JSON in, JSON lines out --------------------------------------------------------------


def encode(run: KernelRun) -> dict[str, Any]:
    return {
        "event": "kernel",
        "kernel": run.kernel,
        "summary": run.summary,
        "error": run.error,
        "log": run.log,
        "findings": [_encode_diagnostic(d) for d in run.findings],
    }


def _encode_diagnostic(d: Diagnostic) -> dict[str, Any]:
    notes = [
        {"message": n.message, "path": n.path, "start": n.span.start, "end": n.span.end} for n in d.notes
    ]
    return {"code": d.code, "severity": d.severity.value, "message": d.message, "path": d.path,
            "start": d.span.start, "end": d.span.end, "notes": notes}  # fmt: skip


def decode_diagnostic(data: dict[str, Any]) -> Diagnostic:
    notes = tuple(Note(n["message"], n["path"], Span(n["start"], n["end"])) for n in data.get("notes", []))
    span = Span(int(data["start"]), int(data["end"]))
    return Diagnostic(data["code"], Severity(data["severity"]), data["message"], data["path"], span, notes)


def serve(request: dict[str, Any], events: TextIO) -> None:
    workspace = Workspace(request.get("overlays") or {})
    path = request["path"]
    module = workspace.module(path)
    for kernel in request.get("kernels", []):
        _emit(events, {"event": "start", "kernel": kernel})
        if module is None or module.tree is None or kernel not in module.definitions:
            _emit(events, encode(KernelRun(kernel, error=f"no kernel named {kernel!r} in {path}")))
            continue
        run = run_kernel(workspace, module, kernel, request.get("target", "trn2"),
                         int(request.get("seed", 0)), bool(request.get("backend")))  # fmt: skip
        _emit(events, encode(run))
    _emit(events, {"event": "done"})


def _emit(events: TextIO, event: dict[str, Any]) -> None:
    events.write(json.dumps(event) + "\n")
    events.flush()


def main() -> None:
    events = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # kernel prints must not reach the event stream
    serve(json.loads(sys.stdin.read()), events)


if __name__ == "__main__":
    main()
