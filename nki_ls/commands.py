"""Commands that specialize one kernel: `nki-ls --ir PATH::KERNEL` (and the editor's `nki.showIR`)."""

from __future__ import annotations

from pathlib import Path

from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir.printer import print_program
from nki_compiler.specializer import specialize


class CommandError(Exception):
    """A usage problem (missing file, unknown kernel): exit code 2."""


def split_kernel_ref(ref: str) -> tuple[str, str]:
    path, sep, kernel = ref.rpartition("::")
    if not sep or not path or not kernel:
        raise CommandError(f"expected PATH::KERNEL, got {ref!r}")
    return path, kernel


def kernel_module(workspace: Workspace, path: str, kernel: str) -> ModuleInfo:
    """The parsed module holding `kernel`, or a CommandError saying what is wrong with the reference."""
    if not Path(path).is_file():
        raise CommandError(f"no such file: {path}")
    module = workspace.module(path)
    if module is None or module.tree is None:
        raise CommandError(f"cannot parse {path}")
    if kernel not in module.definitions:
        raise CommandError(f"no kernel named {kernel!r} in {path}")
    return module


def ir_command(
    path: str, kernel: str, target: str = "trn2", workspace: Workspace | None = None
) -> tuple[str, list[Diagnostic]]:
    """The specialized IR of `kernel` in `path` as text, and the diagnostics found on the way."""
    workspace = workspace or Workspace()
    module = kernel_module(workspace, path, kernel)
    result = specialize(workspace, module, kernel, target=target)
    if result.program is None:
        return "", result.diagnostics
    text = print_program(result.program, module.source.text)
    if not result.complete:
        text += "# incomplete: some argument facts are unknown (declare them with `# nki: args ...`)\n"
    return text, result.diagnostics
