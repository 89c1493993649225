"""Hover: Markdown for `nl.*`/`nisa.*` names (signature, summary, target constraints, deprecation)."""

from __future__ import annotations

from lsprotocol import types

from nki_compiler import api
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.source import Encoding, Span
from nki_ls import convert
from nki_ls.features import names
from nki_ls.features.cursor import cursor_at
from nki_ls.features.diagnostics import Documents
from nki_ls.features.specialized import Specializations
from nki_ls.features.tensor_hover import tensor_hover_markdown


def hover(
    documents: Documents,
    uri: str,
    position: types.Position,
    encoding: Encoding,
    target: str,
    specializations: Specializations | None = None,
) -> types.Hover | None:
    """An `nl.*`/`nisa.*` name's documentation, else (with `specializations`) tensor/parameter/loop facts."""
    cursor = cursor_at(documents, uri, position, encoding)
    if cursor is None:
        return None
    module, index, offset = cursor.module, cursor.index, cursor.offset
    line = index.line_of(offset)
    line_start = index.line_starts[line]
    reference = names.reference_at(index.line_text(line), offset - line_start)
    entry = None
    if reference is not None:
        entry = names.api_entry(reference.dotted, names.import_bases(module, index.text))
    if entry is None or reference is None:
        return _tensor_hover(specializations, module, offset, encoding, target)
    span = Span(line_start + reference.start, line_start + reference.end)
    contents = types.MarkupContent(kind=types.MarkupKind.Markdown, value=api_markdown(entry, target))
    return types.Hover(contents=contents, range=convert.lsp_range(index, span, encoding))


def _tensor_hover(
    specializations: Specializations | None, module: ModuleInfo, offset: int, encoding: Encoding, target: str
) -> types.Hover | None:
    if specializations is None or module.tree is None:
        return None
    spec = specializations.get(module.path, target)
    found = tensor_hover_markdown(module, spec, offset) if spec is not None else None
    if found is None:
        return None
    span, markdown = found
    contents = types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown)
    return types.Hover(contents=contents, range=convert.lsp_range(module.source.index, span, encoding))


def api_markdown(entry: api.ApiEntry, target: str) -> str:
    """Signature block, deprecation, summary, availability and constraints for `target`, then details."""
    parts = [f"```python\n{_header(entry)}\n```"]
    if entry.deprecated:
        parts.append(f"**Deprecated:** {entry.deprecated}")
    if entry.summary:
        parts.append(entry.summary)
    facts = []
    if entry.experimental:
        facts.append("*experimental*")
    if entry.since:
        facts.append(f"since NKI {entry.since}")
    if not entry.available_on(target):
        available = ", ".join(sorted(entry.targets)) or "no target"
        facts.append(f"**not available on {target}** (only {available})")
    constraint = entry.constraint_for(target)
    if constraint:
        facts.append(f"on {target}: {constraint}")
    if facts:
        parts.append(" · ".join(facts))
    details = entry.doc.partition("\n\n")[2].strip()
    if details:
        parts.append(details)
    return "\n\n".join(parts)


def _header(entry: api.ApiEntry) -> str:
    if entry.kind in ("function", "class") and entry.signature is not None:
        return entry.signature_text()
    if entry.value is not None:
        return f"{entry.display_name} = {entry.value}  # {entry.kind.replace('_', ' ')}"
    return f"{entry.display_name}  # {entry.kind.replace('_', ' ')}"
