"""The document, line index and offset under an LSP position: the common start of every cursor feature."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.source import Encoding, LineIndex
from nki_ls import convert
from nki_ls.features.diagnostics import Documents, normalize


@dataclass(frozen=True)
class Cursor:
    module: ModuleInfo
    offset: int

    @property
    def index(self) -> LineIndex:
        return self.module.source.index


def cursor_at(documents: Documents, uri: str, position: types.Position, encoding: Encoding) -> Cursor | None:
    module = documents.module(normalize(convert.path_of(uri)))
    if module is None:
        return None
    return Cursor(module, convert.offset_of(module.source.index, position, encoding))
