"""Document symbols: the file's kernels, the helpers they reach, and its other top-level definitions."""

from __future__ import annotations

import ast
import logging

from lsprotocol import types

from nki_compiler.frontend.scope import build_scope
from nki_compiler.source import Encoding, Span
from nki_compiler.version import __version__
from nki_ls import convert
from nki_ls.features.diagnostics import Documents, normalize

log = logging.getLogger(__name__)


def document_symbols(documents: Documents, uri: str, encoding: Encoding) -> list[types.DocumentSymbol]:
    path = normalize(convert.path_of(uri))
    module = documents.module(path)
    if module is None or module.tree is None:
        return []
    roles = _roles(documents, path)
    index = module.source.index
    symbols = []
    for node in module.tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        whole = index.span_of_ast(node)
        name_span = _name_span(index.text, whole, node.name) if whole else None
        if whole is None or name_span is None:
            continue
        role = roles.get(node.name)
        symbols.append(
            types.DocumentSymbol(
                name=node.name,
                detail=role or "",
                kind=types.SymbolKind.Class if isinstance(node, ast.ClassDef) else types.SymbolKind.Function,
                range=convert.lsp_range(index, whole.cover(name_span), encoding),
                selection_range=convert.lsp_range(index, name_span, encoding),
            )
        )
    return symbols


def _roles(documents: Documents, path: str) -> dict[str, str]:
    """`NKI kernel` / `kernel helper` / `kernel class` by top-level name (empty when scoping fails)."""
    module = documents.module(path)
    if module is None:
        return {}
    try:
        scope = build_scope(documents.workspace, [module])
    except Exception:
        log.exception("nki-ls %s: kernel scope of %s failed", __version__, path)
        return {}
    roles: dict[str, str] = {}
    for function in scope.in_file(module.path):
        if function.class_node is None:
            roles[function.node.name] = "NKI kernel" if function.kind == "kernel" else "kernel helper"
    for klass in scope.classes:
        if klass.module is module:
            roles[klass.node.name] = "kernel class"
    return roles


def _name_span(text: str, whole: Span, name: str) -> Span | None:
    """The span of the defined name after `def`/`class` (decorators come first in the node's span)."""
    for keyword in ("def ", "class "):
        at = text.find(f"{keyword}{name}", whole.start, whole.end)
        if at >= 0:
            start = at + len(keyword)
            return Span(start, start + len(name))
    return None
