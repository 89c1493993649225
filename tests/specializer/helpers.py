"""Specializing test kernels: the kernel named in a file, and annotation checks on its diagnostics."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer import SpecializeResult, specialize
from tests.helpers.annotations import actual_lines, parse_annotations, rewrite_annotations


def jit_kernels(text: str) -> list[str]:
    tree = ast.parse(text)
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and any("jit" in ast.unparse(d) for d in node.decorator_list)
    ]


def specialize_file(
    path: Path, kernel: str | None = None, facts: dict[str, Any] | None = None, target: str = "trn2"
) -> SpecializeResult:
    workspace = Workspace()
    module = workspace.module(path)
    assert module is not None
    name = kernel or jit_kernels(module.source.text)[0]
    return specialize(workspace, module, name, facts, target)


def check_annotated(path: Path, update: bool) -> None:
    """Specializer diagnostics of every jit kernel in `path` must be exactly its `# <--` annotations."""
    text = path.read_text(encoding="utf-8")
    expectations = parse_annotations(text)
    diagnostics = []
    for kernel in jit_kernels(text):
        diagnostics += specialize_file(path, kernel, target=expectations.config.target).diagnostics
    actual = actual_lines(text, diagnostics)
    if update and actual != set(expectations.lines):
        path.write_text(rewrite_annotations(text, actual), encoding="utf-8")
        return
    details = "\n".join(f"  {d.code} {d.span} {d.message}" for d in diagnostics)
    assert actual == set(expectations.lines), (
        f"{path.name}: missing {sorted(set(expectations.lines) - actual)}, "
        f"unexpected {sorted(actual - set(expectations.lines))}\n{details}"
    )
