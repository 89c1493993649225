"""Completion from the NKI API registry: members after `nl.`/`nisa.`/enum names, and keyword arguments."""

from __future__ import annotations

from lsprotocol import types

from nki_compiler import api
from nki_compiler.source import Encoding
from nki_ls.features import names
from nki_ls.features.cursor import cursor_at
from nki_ls.features.diagnostics import Documents

TRIGGER_CHARACTERS = [".", "(", ","]

_KINDS = {
    "function": types.CompletionItemKind.Function,
    "class": types.CompletionItemKind.Class,
    "enum": types.CompletionItemKind.Enum,
    "enum_member": types.CompletionItemKind.EnumMember,
    "constant": types.CompletionItemKind.Constant,
    "module": types.CompletionItemKind.Module,
    "dtype": types.CompletionItemKind.Constant,
    "buffer": types.CompletionItemKind.Constant,
    "attribute": types.CompletionItemKind.Property,
}


def completion(
    documents: Documents, uri: str, position: types.Position, encoding: Encoding, target: str
) -> types.CompletionList | None:
    cursor = cursor_at(documents, uri, position, encoding)
    if cursor is None:
        return None
    module, index, offset = cursor.module, cursor.index, cursor.offset
    line_start = index.line_starts[index.line_of(offset)]
    before = index.text[line_start:offset]
    bases = names.import_bases(module, index.text)
    prefix = names.member_prefix(before)
    if prefix is not None:
        items = member_items(prefix[0], bases, target)
    else:
        items = keyword_items(index.text, offset, bases)
    if items is None:
        return None
    return types.CompletionList(is_incomplete=False, items=items)


def member_items(owner: str, bases: dict[str, str], target: str) -> list[types.CompletionItem] | None:
    qualname = names.qualify(owner, bases)
    if qualname is None:
        return None
    items = []
    for entry in api.members(qualname):
        available = entry.available_on(target)
        items.append(
            types.CompletionItem(
                label=entry.name,
                kind=_KINDS.get(entry.kind, types.CompletionItemKind.Text),
                detail=entry.signature_text()
                if entry.signature is not None
                else entry.kind.replace("_", " "),
                documentation=_documentation(entry, available, target),
                tags=[types.CompletionItemTag.Deprecated] if entry.deprecated else None,
                # Names not on the current target sort last; deprecated ones just before them.
                sort_text=f"{0 if available else 2}{1 if entry.deprecated else 0}{entry.name}",
            )
        )
    return items


def keyword_items(text: str, offset: int, bases: dict[str, str]) -> list[types.CompletionItem] | None:
    call = names.call_at(text, offset)
    if call is None or call.keyword is not None or not call.at_argument_start:
        return None
    entry = names.api_entry(call.callee, bases)
    if entry is None or entry.signature is None:
        return None
    items: list[types.CompletionItem] = []
    for name, kind, default in entry.params:
        if kind not in ("positional_or_keyword", "keyword_only") or name in call.used_keywords:
            continue
        items.append(
            types.CompletionItem(
                label=f"{name}=",
                kind=types.CompletionItemKind.Variable,
                detail=_annotation(entry, name) + ("" if default is None else f" = {default}"),
                sort_text=f"0{len(items):03d}",
                insert_text=f"{name}=",
            )
        )
    return items


def _annotation(entry: api.ApiEntry, name: str) -> str:
    parameter = entry.signature.parameters.get(name) if entry.signature else None
    if parameter is None or parameter.annotation is parameter.empty:
        return name
    annotation = parameter.annotation
    return f"{name}: {annotation if isinstance(annotation, str) else getattr(annotation, '__name__', annotation)}"


def _documentation(entry: api.ApiEntry, available: bool, target: str) -> types.MarkupContent:
    lines = [entry.summary] if entry.summary else []
    if entry.deprecated:
        lines.append(f"**Deprecated:** {entry.deprecated}")
    if not available:
        lines.append(f"Not available on {target}.")
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(lines))
