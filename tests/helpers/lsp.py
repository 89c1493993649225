"""Waiting for pushed diagnostics in pytest-lsp tests, with a deadline instead of a hang."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lsprotocol import types
from pytest_lsp import LanguageClient

DEADLINE_SECONDS = 60.0


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
