"""`nki-ls --profile PATH::KERNEL [--trace out.json]`: specialize a kernel, run the back end, report."""

from __future__ import annotations

from typing import Any

from nki_compiler.backend import BackendResult, run_backend
from nki_compiler.backend.report import report_text
from nki_compiler.backend.trace import write_trace
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer import specialize
from nki_compiler.specializer.emit import Budgets
from nki_ls.commands import kernel_module


def profile_result(path: str, kernel: str, target: str = "trn2", facts: dict[str, Any] | None = None,
                   workspace: Workspace | None = None,
                   budgets: Budgets | None = None) -> tuple[BackendResult | None, list[Diagnostic]]:  # fmt: skip
    workspace = workspace or Workspace()
    module = kernel_module(workspace, path, kernel)
    result = specialize(workspace, module, kernel, facts=facts, target=target, budgets=budgets)
    if result.program is None:
        return None, result.diagnostics
    backend = run_backend(result.program)
    return backend, [*result.diagnostics, *backend.allocation.diagnostics]


def profile_command(path: str, kernel: str, target: str = "trn2", trace: str | None = None,
                    facts: dict[str, Any] | None = None) -> tuple[str, list[Diagnostic]]:  # fmt: skip
    """The back-end report of `kernel` as text (and a Perfetto trace at `trace`), plus diagnostics."""
    backend, diagnostics = profile_result(path, kernel, target, facts)
    if backend is None:
        return "", diagnostics
    if trace:
        write_trace(backend, trace)
    return report_text(backend), diagnostics
