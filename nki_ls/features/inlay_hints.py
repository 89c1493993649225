"""Inlay hints (setting `nki.inlayHints`): the tile shape after each name a tensor is bound to.

`a = nl.load(x)` shows `a: sbuf float32[128, 512]`; a binding whose shape differs across unrolled
iterations shows the first and how many variants there are. Facts come from the specializer, so only
kernels with known argument facts get hints.
"""

from __future__ import annotations

from lsprotocol import types

from nki_compiler.source import Encoding
from nki_compiler.specializer.emit import TensorFact
from nki_ls import convert
from nki_ls.features.diagnostics import Documents, normalize
from nki_ls.features.specialized import Specializations

#: A client asking for a huge range gets at most this many hints.
MAX_HINTS = 2000


def inlay_hints(
    documents: Documents,
    specializations: Specializations,
    uri: str,
    range_: types.Range,
    encoding: Encoding,
    target: str,
) -> list[types.InlayHint]:
    path = normalize(convert.path_of(uri))
    module = documents.module(path)
    if module is None or module.tree is None:
        return []
    spec = specializations.get(path, target)
    if spec is None or not spec.results:
        return []
    index = module.source.index
    visible = convert.span_of(index, range_, encoding)
    hints: list[types.InlayHint] = []
    for span, facts in sorted(spec.facts_in(visible.start, visible.end).items(), key=lambda i: i[0].start):
        if not facts or len(hints) >= MAX_HINTS:
            continue
        hints.append(
            types.InlayHint(
                position=convert.lsp_position(index, span.end, encoding),
                label=f": {hint_label(facts)}",
                kind=types.InlayHintKind.Type,
                tooltip=f"{len(facts)} distinct shapes across unrolled iterations"
                if len(facts) > 1
                else None,
            )
        )
    return hints


def hint_label(facts: list[TensorFact]) -> str:
    first = facts[0].text()
    return first if len(facts) == 1 else f"{first} (+{len(facts) - 1} more)"
