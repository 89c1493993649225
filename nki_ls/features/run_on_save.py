"""`nki.run` and run-on-save: kernels simulated in a worker process, findings as diagnostics.

The server never simulates in its own process: a `run_worker` subprocess specializes, runs the back end
and simulates, streaming one JSON event per kernel, so the event loop keeps answering requests. Each run
shows `$/progress` (cancellable: cancelling kills the worker), each kernel gets
`nki.simulator.timeoutSeconds`, and a worker that crashes or hangs becomes a logged message. On save, the
findings (NKI601-603 from the back end, NKI7xx from the simulator) stay with the saved version of the file
until the next edit; a newer save cancels an older run of the same file.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types

from nki_compiler.check import CheckConfig
from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.version import __version__
from nki_ls.features.commands import kernel_target
from nki_ls.features.diagnostics import Documents
from nki_ls.features.run_worker import decode_diagnostic, def_span
from nki_ls.features.specialized import kernel_facts

log = logging.getLogger(__name__)

RUN = "nki.run"
WORKER = [sys.executable, "-m", "nki_ls.features.run_worker"]
#: A worker that has not started its first kernel after this long is treated as crashed.
STARTUP_SECONDS = 60.0
_tokens = itertools.count(1)


@dataclass
class KernelOutcome:
    kernel: str
    summary: list[str] = field(default_factory=list)
    error: str | None = None
    findings: list[Diagnostic] = field(default_factory=list)
    timed_out: bool = False


@dataclass
class RunOutcome:
    kernels: list[KernelOutcome] = field(default_factory=list)
    cancelled: bool = False
    crashed: str | None = None
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def text(self) -> str:
        lines: list[str] = []
        for kernel in self.kernels:
            if kernel.timed_out:
                lines.append(f"{kernel.kernel}: stopped after the timeout")
            elif kernel.error:
                lines.append(f"{kernel.kernel}: {kernel.error}")
            lines += [f"{kernel.kernel}: {line}" for line in kernel.summary]
            lines += [f"{kernel.kernel}: {d.code} {d.message}" for d in kernel.findings]
        lines += self.log
        if self.cancelled:
            lines.append("cancelled")
        if self.crashed:
            lines.append(f"the worker failed: {self.crashed}")
        return "\n".join(lines)


class WorkerRun:
    """One worker process over some kernels of one file; `cancel()` kills it."""

    def __init__(
        self,
        request: dict[str, Any],
        timeout: float,
        on_start: Callable[[str, int, int], None] | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.request = request
        self.timeout = timeout
        self.on_start = on_start
        self.command = command or WORKER
        self.cancelled = False
        self._exited_early = False
        self._process: asyncio.subprocess.Process | None = None

    def cancel(self) -> None:
        self.cancelled = True
        self._kill()

    async def run(self) -> RunOutcome:
        outcome = RunOutcome()
        started = time.monotonic()
        remaining = list(self.request.get("kernels", []))
        total = len(remaining)
        while remaining and not self.cancelled and outcome.crashed is None:
            remaining = await self._run_worker(remaining, total, outcome)
        outcome.cancelled = self.cancelled
        outcome.seconds = time.monotonic() - started
        return outcome

    async def _run_worker(self, kernels: list[str], total: int, outcome: RunOutcome) -> list[str]:
        """Run one worker over `kernels`; returns the kernels still to run after a timeout."""
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, limit=1 << 24,
            )  # fmt: skip
        except OSError as error:
            outcome.crashed = f"cannot start {self.command[0]}: {error}"
            return []
        self._process = process
        errors = asyncio.ensure_future(_read_all(process.stderr))
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps({**self.request, "kernels": kernels}).encode())
            await process.stdin.drain()
            process.stdin.close()
            return await self._read_events(process.stdout, kernels, total, outcome)
        except (OSError, ValueError) as error:  # broken pipe, garbled event: the worker is unusable
            outcome.crashed = f"{error!r}"
            return []
        finally:
            self._kill()
            code = await process.wait()
            tail = (await errors)[-2000:]
            if self._exited_early:
                outcome.crashed = f"the worker exited with code {code}: {tail.strip() or 'no output'}"
            self._process = None

    async def _read_events(
        self, stdout: asyncio.StreamReader, kernels: list[str], total: int, outcome: RunOutcome
    ) -> list[str]:
        current: str | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(STARTUP_SECONDS, self.timeout)
        while True:
            try:
                line = await asyncio.wait_for(stdout.readline(), max(deadline - loop.time(), 0.0))
            except asyncio.TimeoutError:
                if current is None:
                    outcome.crashed = "the worker did not answer"
                    return []
                outcome.kernels.append(KernelOutcome(current, timed_out=True))
                return kernels[kernels.index(current) + 1 :]
            if not line:
                self._exited_early = not self.cancelled
                return []
            event = json.loads(line)
            if event.get("event") == "start":
                current = str(event["kernel"])
                deadline = loop.time() + self.timeout
                if self.on_start is not None:
                    self.on_start(current, len(outcome.kernels), total)
            elif event.get("event") == "kernel":
                outcome.kernels.append(_kernel_outcome(event))
                outcome.log += [str(line) for line in event.get("log", [])]
                current = None
            elif event.get("event") == "done":
                return []

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            try:
                process.kill()
            except ProcessLookupError:
                pass


async def _read_all(stream: asyncio.StreamReader | None) -> str:
    if stream is None:
        return ""
    return (await stream.read()).decode("utf-8", errors="replace")


def _kernel_outcome(event: dict[str, Any]) -> KernelOutcome:
    findings = [decode_diagnostic(d) for d in event.get("findings", [])]
    summary = [str(line) for line in event.get("summary", [])]
    return KernelOutcome(str(event["kernel"]), summary, event.get("error"), findings)


class Server(Protocol):
    """What runs need from the language server."""

    documents: Documents

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    @property
    def work_done_progress(self) -> Any: ...

    def window_log_message(self, params: types.LogMessageParams) -> None: ...

    def diagnostics_changed(
        self, affected: set[str], origin: str | None = None, immediate: bool = False
    ) -> None: ...


class Progress:
    """`$/progress` for one run, created first (`window/workDoneProgress/create`) when the client can."""

    def __init__(self, ls: Server, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token = f"nki-run-{next(_tokens)}"
        window = ls.client_capabilities.window
        self.enabled = bool(window and window.work_done_progress)

    async def begin(self, on_cancel: Callable[[], None]) -> None:
        if not self.enabled:
            return
        try:
            await self.ls.work_done_progress.create_async(self.token)
        except Exception:  # the client refused: run without progress
            self.enabled = False
            return
        begin = types.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0)
        self.ls.work_done_progress.begin(self.token, begin)
        future = self.ls.work_done_progress.tokens.get(self.token)
        if future is not None:
            future.add_done_callback(lambda f: on_cancel() if f.cancelled() else None)

    def report(self, kernel: str, done: int, total: int) -> None:
        if self.enabled:
            percentage = int(100 * done / max(total, 1))
            report = types.WorkDoneProgressReport(message=kernel, percentage=percentage)
            self.ls.work_done_progress.report(self.token, report)

    def end(self, message: str) -> None:
        if self.enabled:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)


async def run_with_progress(
    ls: Server, title: str, request: dict[str, Any], timeout: float, started: Callable[[WorkerRun], None]
) -> RunOutcome:
    progress = Progress(ls, title)
    run = WorkerRun(request, timeout, progress.report)
    started(run)
    await progress.begin(run.cancel)
    try:
        outcome = await run.run()
    except Exception as error:  # a worker problem is a message, never a server failure
        log.exception("nki-ls %s: %s failed", __version__, title)
        outcome = RunOutcome(crashed=repr(error))
    progress.end("cancelled" if outcome.cancelled else f"done in {outcome.seconds:.1f} s")
    for kernel in outcome.kernels:
        if kernel.timed_out:
            kernel.findings.append(_timeout_finding(ls.documents, request["path"], kernel.kernel, timeout))
    kind = types.MessageType.Error if outcome.crashed else types.MessageType.Info
    message = f"nki-ls: {title} ({outcome.seconds:.1f} s)\n{outcome.text()}"
    ls.window_log_message(types.LogMessageParams(type=kind, message=message.rstrip()))
    return outcome


def _timeout_finding(documents: Documents, path: str, kernel: str, seconds: float) -> Diagnostic:
    module = documents.module(path)
    span = def_span(module, kernel) if module is not None else None
    registered = rule("NKI705")
    message = registered.format(kernel=kernel, seconds=f"{seconds:g}")
    assert registered.severity is not None
    from nki_compiler.source import Span

    return Diagnostic("NKI705", registered.severity, message, path, span or Span(0, 0))


def worker_request(
    documents: Documents, path: str, kernels: list[str], target: str, backend: bool
) -> dict[str, Any]:
    overlays = dict(documents.workspace.overlays)
    return {"path": path, "kernels": kernels, "target": target, "seed": 0, "backend": backend,
            "overlays": overlays}  # fmt: skip


@dataclass
class Runs:
    """Run-on-save state: findings by path for the saved version, and the run in flight per path."""

    findings: dict[str, tuple[int | None, tuple[Diagnostic, ...]]] = field(default_factory=dict)
    active: dict[str, WorkerRun] = field(default_factory=dict)
    stamps: dict[str, int] = field(default_factory=dict)
    tasks: set[asyncio.Future[Any]] = field(default_factory=set)

    def diagnostics(self, path: str, version: int | None, config: CheckConfig) -> list[Diagnostic]:
        """Findings of the last run on save while the document still has the version that was run."""
        entry = self.findings.get(path)
        if entry is None or entry[0] != version:
            return []
        return [d for d in entry[1] if config.wants(d.code)]

    def stamp(self, path: str) -> str:
        """Part of a pull result id: changes whenever new findings arrive."""
        return str(self.stamps.get(path, 0))

    def forget(self, path: str) -> None:
        self.cancel(path)
        self.findings.pop(path, None)

    def cancel(self, path: str) -> None:
        run = self.active.pop(path, None)
        if run is not None:
            run.cancel()

    def on_save(self, ls: Server, path: str, target: str, timeout: float) -> None:
        self.cancel(path)  # a newer save supersedes the run in flight
        task = asyncio.ensure_future(self._run_saved(ls, path, target, timeout))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run_saved(self, ls: Server, path: str, target: str, timeout: float) -> None:
        try:
            await self._run_saved_file(ls, path, target, timeout)
        except Exception:  # never let a run break the server
            log.exception("nki-ls %s: run on save of %s failed", __version__, path)

    async def _run_saved_file(self, ls: Server, path: str, target: str, timeout: float) -> None:
        version = ls.documents.versions.get(path)
        module = ls.documents.module(path)
        if module is None or module.tree is None:
            return
        kernels = [k.name for k in kernel_facts(module) if k.known]
        if not kernels:
            return
        request = worker_request(ls.documents, path, kernels, target, backend=True)

        def started(run: WorkerRun) -> None:
            self.active[path] = run

        outcome = await run_with_progress(ls, f"running {Path(path).name} on save", request, timeout, started)
        if outcome.cancelled or ls.documents.versions.get(path) != version or not ls.documents.is_open(path):
            return  # superseded, edited or closed: these findings describe another text
        found = tuple(d for k in outcome.kernels for d in k.findings if d.path == path)
        self.active.pop(path, None)
        if found or self.findings.get(path, (None, ()))[1]:
            self.findings[path] = (version, found)
            self.stamps[path] = self.stamps.get(path, 0) + 1
            ls.diagnostics_changed({path}, immediate=True)
        else:
            self.findings[path] = (version, found)


async def run_command(ls: Server, arguments: list[Any] | None, encoding: Any, target: str,
                      timeout: float) -> dict[str, Any]:  # fmt: skip
    """`nki.run`: simulate one kernel (by name, position or the file's only one) in a worker."""
    path, kernel = kernel_target(ls.documents, arguments, encoding)
    request = worker_request(ls.documents, path, [kernel], target, backend=False)
    outcome = await run_with_progress(ls, f"running {kernel}", request, timeout, lambda run: None)
    return answer(kernel, outcome)


def answer(kernel: str, outcome: RunOutcome) -> dict[str, Any]:
    """The `nki.run` result: the kernel's output summary, findings and any error."""
    result = next((k for k in outcome.kernels if k.kernel == kernel), None)
    error = outcome.crashed and f"the worker failed: {outcome.crashed}"
    if result is not None:
        error = error or ("stopped after the timeout" if result.timed_out else result.error)
    return {
        "kernel": kernel,
        "summary": result.summary if result else [],
        "findings": [f"{d.code} {d.message}" for d in result.findings] if result else [],
        "error": "cancelled" if outcome.cancelled else error,
        "text": outcome.text(),
    }
