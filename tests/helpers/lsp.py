"""pytest-lsp scaffolding shared by the end-to-end tests: the server command, starting a session,
opening a document, and waiting for pushed diagnostics with a deadline instead of a hang."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

DEADLINE_SECONDS = 60.0
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "nki_ls"])


def accept_registrations(client: LanguageClient) -> list[types.RegistrationParams]:
    """Answer the server's `client/registerCapability` requests; returns what was registered."""
    received: list[types.RegistrationParams] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        received.append(params)

    return received


async def start_session(
    client: LanguageClient, root: Path, editor: str, options: dict[str, Any] | None = None
) -> None:
    """Initialize `client` as `editor` ("visual-studio-code", "neovim") with `nki.*` options."""
    accept_registrations(client)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(editor),
            root_uri=root.as_uri(),
            initialization_options={"nki": options} if options is not None else None,
        )
    )


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    """Write `text` to `path` and send didOpen; returns the document URI."""
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    item = types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    return uri


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[list[types.Diagnostic]], bool] = lambda _d: True,
    timeout: float = DEADLINE_SECONDS,
) -> list[types.Diagnostic]:
    """The diagnostics last published for `uri` once `predicate` holds for them; fails after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while uri not in client.diagnostics or not predicate(list(client.diagnostics[uri])):
        remaining = deadline - loop.time()
        if remaining <= 0:
            seen = [d.code for d in client.diagnostics.get(uri, [])]
            raise AssertionError(f"no matching diagnostics for {uri} within {timeout:.0f} s (last: {seen})")
        try:
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), min(remaining, 1.0)
            )
        except asyncio.TimeoutError:
            continue  # re-check: the notification may have been handled before we started waiting
    return list(client.diagnostics[uri])
