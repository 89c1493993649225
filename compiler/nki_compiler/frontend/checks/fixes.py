"""Building blocks for `Fix` edits: whole-statement deletion and node replacement."""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Edit
from nki_compiler.frontend.checks.base import ModuleContext
from nki_compiler.source import Span


def replace_node(ctx: ModuleContext, node: ast.AST, new_text: str) -> Edit:
    return Edit(ctx.span(node), new_text)


def delete_statement(ctx: ModuleContext, node: ast.stmt) -> Edit:
    """Delete a statement with its whole line when it is alone on it; keep the block non-empty."""
    span = ctx.span(node)
    text = ctx.module.source.text
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end < 0 else line_end + 1
    before, after = text[line_start : span.start], text[span.end : line_end]
    if before.strip() or after.strip().split("#")[0].strip():
        return Edit(span, "pass")
    if _only_statement_in_block(ctx, node):
        return Edit(span, "pass")
    return Edit(Span(line_start, line_end), "")


def _only_statement_in_block(ctx: ModuleContext, node: ast.stmt) -> bool:
    parent = getattr(ctx, "parent", lambda _n: None)(node)
    if parent is None:
        return False
    for field_name in ("body", "orelse", "finalbody"):
        block = getattr(parent, field_name, None)
        if isinstance(block, list) and node in block:
            return len(block) == 1
    return False
