"""Signature help for calls of NKI API functions (`nisa.dma_copy(dst, |`)."""

from __future__ import annotations

from lsprotocol import types

from nki_compiler import api
from nki_compiler.source import Encoding
from nki_ls.features import names
from nki_ls.features.cursor import cursor_at
from nki_ls.features.diagnostics import Documents
from nki_ls.features.hover import api_markdown

TRIGGER_CHARACTERS = ["(", ","]


def signature_help(
    documents: Documents, uri: str, position: types.Position, encoding: Encoding, target: str
) -> types.SignatureHelp | None:
    cursor = cursor_at(documents, uri, position, encoding)
    if cursor is None:
        return None
    module, index, offset = cursor.module, cursor.index, cursor.offset
    call = names.call_at(index.text, offset)
    if call is None:
        return None
    entry = names.api_entry(call.callee, names.import_bases(module, index.text))
    if entry is None or entry.signature is None:
        return None
    label, parameters = _label(entry)
    signature = types.SignatureInformation(
        label=label,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=api_markdown(entry, target)),
        parameters=parameters,
    )
    return types.SignatureHelp(
        signatures=[signature], active_signature=0, active_parameter=_active(entry.params, call)
    )


def _label(entry: api.ApiEntry) -> tuple[str, list[types.ParameterInformation]]:
    """`nisa.dma_copy(dst, src, priority=None)` with each parameter's [start, end) in the label."""
    label = f"{entry.display_name}("
    parameters = []
    for position, (name, kind, default) in enumerate(entry.params):
        prefix = "*" if kind == "var_positional" else "**" if kind == "var_keyword" else ""
        text = prefix + name + ("" if default is None else f"={default}")
        if position:
            label += ", "
        parameters.append(types.ParameterInformation(label=(len(label), len(label) + len(text))))
        label += text
    return label + ")", parameters


def _active(params: tuple[tuple[str, str, str | None], ...], call: names.CallContext) -> int:
    param_names = [name for name, _kind, _default in params]
    if call.keyword in param_names:
        return param_names.index(call.keyword)
    for position, (_name, kind, _default) in enumerate(params):
        if kind == "var_positional" and call.active_argument >= position:
            return position
    return min(call.active_argument, max(len(params) - 1, 0))
