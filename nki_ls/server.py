"""Language server entry point (the full server arrives with the language-server issue)."""

from __future__ import annotations


def serve() -> None:
    from pygls.lsp.server import LanguageServer

    from nki_compiler.version import __version__

    server = LanguageServer("nki-ls", __version__)
    server.start_io()
