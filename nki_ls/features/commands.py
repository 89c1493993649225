"""`workspace/executeCommand`: `nki.showIR` and `nki.profile` on one kernel of an open (or on-disk) file.

Arguments, in any of these forms: `[uri, kernel]`, `[uri, {"line": L, "character": C}]`, `[uri]` (the
file's only kernel) or `[{"uri": ..., "kernel": ... | "position": {...}}]`. The answer is the report text
(`{"kernel", "text", "diagnostics"}`); usage problems become an LSP error with a readable message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types

from nki_compiler.backend.report import report_text
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.source import Encoding
from nki_ls import convert
from nki_ls.commands import CommandError, ir_command
from nki_ls.features.diagnostics import Documents, normalize
from nki_ls.features.specialized import kernel_facts
from nki_ls.profile_command import profile_result

SHOW_IR = "nki.showIR"
PROFILE = "nki.profile"


def kernel_target(documents: Documents, arguments: list[Any] | None, encoding: Encoding) -> tuple[str, str]:
    """(path, kernel name) named by the command's arguments; CommandError when they name none."""
    uri, which = _unpack(arguments)
    path = normalize(convert.path_of(uri))
    module = documents.module(path)
    if module is None or module.tree is None:
        raise CommandError(f"cannot parse {path}")
    kernels = [k.name for k in kernel_facts(module)]
    if isinstance(which, str):
        if which not in module.definitions:
            raise CommandError(f"no kernel named {which!r} in {path}")
        return path, which
    if isinstance(which, dict):
        position = _position_of(which)
        offset = convert.offset_of(module.source.index, position, encoding)
        for kernel in kernel_facts(module):
            span = module.source.index.span_of_ast(kernel.node)
            if span is not None and span.start <= offset <= span.end:
                return path, kernel.name
        raise CommandError(f"no kernel at line {position.line + 1} of {path}")
    if len(kernels) == 1:
        return path, kernels[0]
    raise CommandError(f"{path} has {len(kernels)} kernels; name one ({', '.join(kernels) or 'none'})")


def _position_of(which: dict[str, Any]) -> types.Position:
    line, character = which.get("line", 0), which.get("character", 0)
    if not all(type(value) is int and 0 <= value < 2**31 for value in (line, character)):
        raise CommandError("expected a position with non-negative integer `line` and `character`")
    return types.Position(line=line, character=character)


def _unpack(arguments: list[Any] | None) -> tuple[str, Any]:
    args = list(arguments or [])
    if args and isinstance(args[0], dict):
        first = args[0]
        uri, which = first.get("uri"), first.get("kernel", first.get("position"))
    else:
        uri, which = (args[0] if args else None), (args[1] if len(args) > 1 else None)
    if not isinstance(uri, str) or not uri:
        raise CommandError("expected a document URI as the first argument")
    if which is not None and not isinstance(which, (str, dict)):
        raise CommandError("expected a kernel name or a position as the second argument")
    return uri, which


def show_ir(
    documents: Documents, arguments: list[Any] | None, encoding: Encoding, target: str
) -> dict[str, Any]:
    path, kernel = kernel_target(documents, arguments, encoding)
    text, diagnostics = ir_command(path, kernel, target, documents.workspace)
    return _answer(kernel, text, diagnostics)


def profile(
    documents: Documents, arguments: list[Any] | None, encoding: Encoding, target: str
) -> dict[str, Any]:
    path, kernel = kernel_target(documents, arguments, encoding)
    text, diagnostics = _profile(path, kernel, target, documents)
    return _answer(kernel, text, diagnostics)


def _profile(path: str, kernel: str, target: str, documents: Documents) -> tuple[str, list[Diagnostic]]:
    backend, diagnostics = profile_result(path, kernel, target, workspace=documents.workspace)
    return (report_text(backend) if backend is not None else ""), diagnostics


def _answer(kernel: str, text: str, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    return {
        "kernel": kernel,
        "text": text,
        "diagnostics": [f"{d.code} {d.message}" for d in diagnostics],
    }


COMMANDS: dict[str, Callable[[Documents, list[Any] | None, Encoding, str], dict[str, Any]]] = {
    SHOW_IR: show_ir,
    PROFILE: profile,
}
