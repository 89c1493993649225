"""End to end over stdio: specializer diagnostics pushed after the front end's, commands, inlay hints."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.helpers.lsp import SERVER, open_document, start_session, wait_for_diagnostics

HEADER = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
KERNEL = HEADER + (
    "# nki: args a=float32[128,512]\n"
    "@nki.jit\n"
    "def copy(a):\n"
    "    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)\n"
    "    nisa.dma_copy(dst=t, src=a)\n"
    "    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)\n"
    "    nisa.dma_copy(dst=out, src=t)\n"
    "    return out\n"
)
TOO_BIG = KERNEL.replace("(128, 512), dtype=nl.float32", "(256, 512), dtype=nl.float32")
TILE_LINE = 8  # 0-based line of `t = ...`


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await start_session(lsp_client, tmp_path, "visual-studio-code", {"inlayHints": True})
    yield
    await lsp_client.shutdown_session()


async def _wait_for_code(client: LanguageClient, uri: str, code: str) -> list[types.Diagnostic]:
    return await wait_for_diagnostics(client, uri, lambda found: code in [d.code for d in found])


async def _command(client: LanguageClient, command: str, *arguments: object) -> dict:
    params = types.ExecuteCommandParams(command=command, arguments=list(arguments))
    return await client.workspace_execute_command_async(params)  # type: ignore[return-value]


@pytest.mark.asyncio
async def test_specializer_diagnostics_follow_the_front_end(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "kernel.py", TOO_BIG)
    diagnostics = await _wait_for_code(client, uri, "NKI301")
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("NKI301", TILE_LINE)]


@pytest.mark.asyncio
async def test_show_ir_and_profile_by_name_and_by_position(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "kernel.py", KERNEL)
    ir = await _command(client, "nki.showIR", uri, "copy")
    assert ir["kernel"] == "copy" and "dma_copy" in ir["text"] and ir["diagnostics"] == []
    by_position = await _command(
        client, "nki.showIR", {"uri": uri, "position": {"line": TILE_LINE, "character": 4}}
    )
    assert by_position["text"] == ir["text"]
    report = await _command(client, "nki.profile", uri)
    assert report["kernel"] == "copy" and "SBUF" in report["text"]


@pytest.mark.asyncio
async def test_command_usage_errors_are_lsp_errors(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "kernel.py", KERNEL)
    with pytest.raises(Exception, match="no kernel named 'nope'"):
        await _command(client, "nki.showIR", uri, "nope")
    with pytest.raises(Exception, match="document URI"):
        await _command(client, "nki.profile")
    ir = await _command(client, "nki.showIR", uri, "copy")  # still serving
    assert ir["kernel"] == "copy"


@pytest.mark.asyncio
async def test_inlay_hints_and_tensor_hover(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "kernel.py", KERNEL)
    document = types.TextDocumentIdentifier(uri=uri)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=20, character=0))
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=document, range=whole)
    )
    assert (TILE_LINE, ": sbuf float32[128, 512]") in {(h.position.line, str(h.label)) for h in hints or []}
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document, position=types.Position(line=TILE_LINE, character=4))
    )
    assert hover is not None and "t: sbuf float32[128, 512]" in hover.contents.value  # type: ignore[union-attr]
