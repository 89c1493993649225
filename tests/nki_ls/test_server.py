"""End-to-end tests over stdio with pytest-lsp: a real `python -m nki_ls` subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.helpers.lsp import SERVER, open_document, start_session, wait_for_diagnostics

# VS Code 1.65's recorded capabilities have no pull diagnostics (the server pushes); Neovim 0.11's do.

HEADER = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
KERNEL = HEADER + ("@nki.jit\ndef k(a):\n    dims = a.shape\n    del dims\n    return a\n")
DEL_LINE = 8  # 0-based line of `del dims`


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await start_session(lsp_client, tmp_path, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def pull_client(lsp_client: LanguageClient, tmp_path: Path):
    # Neovim 0.11: pulls diagnostics, offers utf-8 positions
    await start_session(lsp_client, tmp_path, "neovim", {"target": "trn1"})
    yield
    await lsp_client.shutdown_session()


async def _diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return await wait_for_diagnostics(client, uri)


@pytest.mark.asyncio
async def test_open_publishes_diagnostics_with_fix_data(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "kernel.py", KERNEL)
    diagnostics = await _diagnostics(client, uri)
    assert [(d.code, d.range.start.line, d.source) for d in diagnostics] == [("NKI005", DEL_LINE, "nki")]
    assert diagnostics[0].code_description is not None
    assert diagnostics[0].code_description.href.endswith("#nki005")
    assert diagnostics[0].data["fixes"][0]["safe"] is True


@pytest.mark.asyncio
async def test_code_action_applies_fix_and_diagnostic_goes_away(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_document(client, tmp_path / "kernel.py", KERNEL)
    diagnostic = (await _diagnostics(client, uri))[0]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert "Ignore NKI005 on this line" in titles
    fix = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.edit and fix.edit.document_changes
    edits = fix.edit.document_changes[0].edits  # type: ignore[union-attr]
    lines = KERNEL.splitlines(keepends=True)
    start, end = edits[0].range.start, edits[0].range.end
    new_text = "".join(lines[: start.line]) + lines[start.line][: start.character] + edits[0].new_text
    new_text += lines[end.line][end.character :] if end.line < len(lines) else ""
    new_text += "".join(lines[end.line + 1 :])
    assert "del dims" not in new_text
    client.diagnostics.pop(uri)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
        )
    )
    assert await _diagnostics(client, uri) == []


@pytest.mark.asyncio
async def test_editing_a_helper_rechecks_the_kernel_that_imports_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    helper_text = "import nki.language as nl\n\n\ndef helper(x):\n    return x\n"
    helper_uri = open_document(client, tmp_path / "helpers.py", helper_text)
    kernel_text = HEADER + "from helpers import helper\n\n\n@nki.jit\ndef k(a):\n    return helper(a)\n"
    kernel_uri = open_document(client, tmp_path / "kernel.py", kernel_text)
    assert await _diagnostics(client, kernel_uri) == []
    client.diagnostics.pop(kernel_uri)
    broken = helper_text.replace(
        "    return x\n", "    try:\n        pass\n    except Exception:\n        pass\n    return x\n"
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=helper_uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=broken)],
        )
    )
    # The kernel file is re-published (its own diagnostics stay empty: the problem is in the helper)...
    assert await _diagnostics(client, kernel_uri) == []
    # ...and the helper, now in kernel scope through the open kernel, reports its `try`.
    helper_codes = [d.code for d in await _diagnostics(client, helper_uri)]
    assert "NKI002" in helper_codes


@pytest.mark.asyncio
async def test_pull_diagnostics_and_unchanged_report(pull_client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(pull_client, tmp_path / "kernel.py", KERNEL)
    identifier = types.TextDocumentIdentifier(uri=uri)
    report = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier)
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in report.items] == ["NKI005"]
    again = await pull_client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=report.result_id)
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    workspace = await pull_client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    assert [item.uri for item in workspace.items] == [uri]
    assert uri not in pull_client.diagnostics  # a pull client gets no pushed diagnostics


@pytest.mark.asyncio
async def test_hover_on_nisa_dma_copy(pull_client: LanguageClient, tmp_path: Path) -> None:
    text = HEADER + "@nki.jit\ndef k(a, b):\n    nisa.dma_copy(dst=b, src=a)\n    return b\n"
    uri = open_document(pull_client, tmp_path / "kernel.py", text)
    line = 7
    character = text.splitlines()[line].index("dma_copy") + 3
    hover = await pull_client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "nisa.dma_copy(dst, src" in hover.contents.value
    assert "on trn1:" in hover.contents.value  # constraints for the configured target


@pytest.mark.asyncio
async def test_completion_after_nl_dot_in_a_broken_file(pull_client: LanguageClient, tmp_path: Path) -> None:
    text = HEADER + "@nki.jit\ndef k(a):\n    x = nl.\n"
    uri = open_document(pull_client, tmp_path / "kernel.py", text)
    result = await pull_client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=7, character=len("    x = nl.")),
        )
    )
    assert isinstance(result, types.CompletionList)
    labels = {item.label for item in result.items}
    assert {"ndarray", "zeros", "float32", "sbuf"} <= labels
