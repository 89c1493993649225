"""`nki.run` and run-on-save: the worker process (feature level) and the LSP protocol (pytest-lsp, stdio)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from nki_ls.features.diagnostics import Documents, normalize
from nki_ls.features.run_on_save import WorkerRun, worker_request
from tests.helpers.lsp import SERVER, open_document, start_session, wait_for_diagnostics

HEADER = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
COPY = """# nki: args a=float32[128,512]
@nki.jit
def copy(a):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    return out


"""
UNINIT = """# nki: args a=float32[128,512]
@nki.jit
def uninit(a):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t[:, 0:256], src=a[:, 0:256])
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)  # reads the unwritten half
    return out


"""
OOB = """# nki: args a=float32[128,512]
@nki.jit
def oob(a):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)

    def body(i):
        nisa.dma_copy(dst=t[0:32, :], src=a.ap([[512, 32], [1, 512]], scalar_offset=i, indirect_dim=0))

    nl.fori_loop(0, 200, body)
    nisa.dma_copy(dst=out, src=t)
    return out


"""
TWO_BIG_TILES = """# nki: args a=float32[128,30000]
@nki.jit
def big(a):
    x = nl.ndarray((128, 30000), dtype=nl.float32, buffer=nl.sbuf)
    y = nl.ndarray((128, 30000), dtype=nl.float32, buffer=nl.sbuf)  # both live: 240000 B per partition
    nisa.dma_copy(dst=x, src=a)
    nisa.dma_copy(dst=y, src=a)
    nisa.tensor_tensor(dst=x, data1=x, data2=y, op=nl.add)
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=x)
    return out


"""
FOREVER = """# nki: args a=float32[128,512]
@nki.jit
def forever(a):
    t = nl.ndarray((1, 4), dtype=nl.float32, buffer=nl.sbuf)

    def body(i):
        nisa.dma_copy(dst=t, src=a[0:1, 0:4])

    nl.fori_loop(0, 100000000, body)
    out = nl.ndarray((1, 4), dtype=a.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    return out


"""


def _line(text: str, needle: str) -> int:
    """0-based line of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


def _request(tmp_path: Path, body: str, kernels: list[str]) -> tuple[str, dict]:
    path = tmp_path / "kernels.py"
    text = HEADER + body
    path.write_text(text, encoding="utf-8")
    return text, worker_request(Documents(), normalize(path), kernels, "trn2", backend=True)


def _lines(text: str, findings: list) -> list[tuple[str, int]]:
    return [(d.code, text.count("\n", 0, d.span.start)) for d in findings]


# -- the worker, without a server ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_worker_summarises_outputs_and_places_nan_at_the_uninitialised_read(tmp_path: Path) -> None:
    text, request = _request(tmp_path, COPY + UNINIT, ["copy", "uninit"])
    outcome = await WorkerRun(request, timeout=60).run()
    assert outcome.crashed is None and not outcome.cancelled
    copy, uninit = outcome.kernels
    assert copy.summary[0].startswith("out[0]: float32[128,512] min=") and copy.summary[0].endswith("nan=0")
    assert copy.findings == [] and copy.error is None
    assert uninit.summary[0].endswith("nan=32768")
    assert _lines(text, uninit.findings) == [("NKI702", _line(text, "reads the unwritten half"))]
    assert "`out[0]` has 32768 NaN value(s) of 65536" in uninit.findings[0].message


@pytest.mark.asyncio
async def test_worker_reports_a_runtime_out_of_bounds_access_on_its_line(tmp_path: Path) -> None:
    text, request = _request(tmp_path, OOB, ["oob"])
    outcome = await WorkerRun(request, timeout=60).run()
    if any("not simulated" in line for line in outcome.log):
        pytest.skip("this simulator does not resolve dynamic access patterns")
    (oob,) = outcome.kernels
    assert _lines(text, oob.findings) == [("NKI701", _line(text, "scalar_offset=i"))]
    assert "reaches element" in oob.findings[0].message


@pytest.mark.asyncio
async def test_the_back_end_reports_sbuf_overflow_when_asked(tmp_path: Path) -> None:
    text, request = _request(tmp_path, TWO_BIG_TILES, ["big"])
    (big,) = (await WorkerRun(request, timeout=60).run()).kernels
    assert [code for code, _line in _lines(text, big.findings)] == ["NKI601"]
    assert big.summary and big.summary[0].endswith("nan=0")
    (plain,) = (await WorkerRun({**request, "backend": False}, timeout=60).run()).kernels
    assert plain.findings == []


@pytest.mark.asyncio
async def test_a_kernel_over_the_timeout_is_stopped_and_the_next_one_still_runs(tmp_path: Path) -> None:
    _text, request = _request(tmp_path, FOREVER + COPY, ["forever", "copy"])
    started = time.monotonic()
    outcome = await WorkerRun(request, timeout=1.5).run()
    assert time.monotonic() - started < 30
    forever, copy = outcome.kernels
    assert forever.timed_out and not copy.timed_out and copy.summary
    assert outcome.crashed is None


@pytest.mark.asyncio
async def test_cancel_kills_the_worker(tmp_path: Path) -> None:
    _text, request = _request(tmp_path, FOREVER, ["forever"])
    started: list[str] = []
    run = WorkerRun(request, timeout=600, on_start=lambda kernel, done, total: started.append(kernel))
    task = asyncio.ensure_future(run.run())
    while not started:
        await asyncio.sleep(0.05)
    run.cancel()
    outcome = await asyncio.wait_for(task, 20)
    assert outcome.cancelled and outcome.kernels == [] and outcome.crashed is None


@pytest.mark.asyncio
async def test_a_crashing_worker_is_an_outcome_not_an_exception(tmp_path: Path) -> None:
    _text, request = _request(tmp_path, COPY, ["copy"])
    crash = [sys.executable, "-c", "import sys; sys.stdin.read(); sys.stderr.write('boom'); sys.exit(3)"]
    outcome = await WorkerRun(request, timeout=60, command=crash).run()
    assert outcome.crashed is not None and "boom" in outcome.crashed
    # asyncio's child watcher reports 255 when another waiter in this pytest process reaped the child first
    # ("Unknown child process pid ..."): the crash is still an outcome, only its exit code is lost
    assert "code 3" in outcome.crashed or "code 255" in outcome.crashed
    missing = await WorkerRun(request, timeout=60, command=["/nonexistent/python"]).run()
    assert missing.crashed is not None and "cannot start" in missing.crashed


# -- over LSP --------------------------------------------------------------------------------------------


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    options = {"runOnSave": True, "simulator": {"timeoutSeconds": 60}}
    await start_session(lsp_client, tmp_path, "visual-studio-code", options)
    yield
    await lsp_client.shutdown_session()


async def _wait_until(client: LanguageClient, uri: str, predicate) -> list[types.Diagnostic]:  # noqa: ANN001
    return await wait_for_diagnostics(client, uri, lambda found: predicate([d.code for d in found]))


def _running(client: LanguageClient) -> list[types.ProgressToken]:
    """Progress tokens that have begun, reported a started kernel and not ended."""
    return [
        token
        for token, reports in client.progress_reports.items()
        if len(reports) >= 2 and not isinstance(reports[-1], types.WorkDoneProgressEnd)
    ]


async def _command(client: LanguageClient, *arguments: object) -> dict:
    params = types.ExecuteCommandParams(command="nki.run", arguments=list(arguments))
    return await client.workspace_execute_command_async(params)  # type: ignore[return-value]


@pytest.mark.asyncio
async def test_save_turns_runtime_findings_into_diagnostics_until_the_next_edit(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = HEADER + COPY + UNINIT
    uri = open_document(client, tmp_path / "kernel.py", text)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri))
    )
    diagnostics = await asyncio.wait_for(_wait_until(client, uri, lambda codes: "NKI702" in codes), 60)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("NKI702", _line(text, "unwritten half"))]
    assert diagnostics[0].severity == types.DiagnosticSeverity.Warning
    summaries = [m.message for m in client.log_messages if "on save" in m.message]
    assert summaries and "copy: out[0]: float32[128,512]" in summaries[-1]
    (reports,) = [r for r in client.progress_reports.values() if r]
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text + "\n")],
        )
    )
    await asyncio.wait_for(_wait_until(client, uri, lambda codes: "NKI702" not in codes), 30)


@pytest.mark.asyncio
async def test_run_command_answers_a_summary_and_can_be_cancelled(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_document(client, tmp_path / "kernel.py", HEADER + COPY + FOREVER)
    answer = await _command(client, uri, "copy")
    assert answer["kernel"] == "copy" and answer["error"] is None
    assert answer["summary"][0].startswith("out[0]: float32[128,512]")
    assert any("copy: out[0]" in m.message for m in client.log_messages)
    running = asyncio.ensure_future(_command(client, uri, "forever"))
    while not (running_tokens := _running(client)):
        await asyncio.sleep(0.05)
    (token,) = running_tokens
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    cancelled = await asyncio.wait_for(running, 20)
    assert cancelled["error"] == "cancelled"
    assert (await _command(client, uri, "copy"))["summary"] == answer["summary"]  # still serving


@pytest_lsp.fixture(config=SERVER)
async def pull_client(lsp_client: LanguageClient, tmp_path: Path):
    await start_session(lsp_client, tmp_path, "neovim", {"runOnSave": True})
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_pull_client_sees_the_findings_under_a_new_result_id(
    pull_client: LanguageClient, tmp_path: Path
) -> None:
    text = HEADER + UNINIT
    uri = open_document(pull_client, tmp_path / "kernel.py", text)
    document = types.TextDocumentIdentifier(uri)
    first = await pull_client.text_document_diagnostic_async(types.DocumentDiagnosticParams(document))
    assert not first.items  # type: ignore[union-attr]
    pull_client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=document))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        params = types.DocumentDiagnosticParams(document, previous_result_id=first.result_id)
        report = await pull_client.text_document_diagnostic_async(params)
        if isinstance(report, types.RelatedFullDocumentDiagnosticReport) and report.items:
            break
        await asyncio.sleep(0.1)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert [(d.code, d.range.start.line) for d in report.items] == [("NKI702", _line(text, "unwritten half"))]
