"""Latency and memory of the language server, measured through a real LSP connection (stdio).

    python bench/lsp_bench.py [--edits N] [--hovers N] [--files N] [--runs N] [--root DIR]

Starts `python -m nki_ls --stdio`, then for the largest corpus kernel file and for a generated
1,500-line kernel file: `didChange` -> `publishDiagnostics` latency (edits are spaced beyond the
server's debounce window, so every edit is analysed at once), hover latency, and the ratio of the
diagnostics p95 to `ast.parse` of the same text measured in this process. Finally the server's RSS
after opening `--files` kernel files. Goals (issue 5): diagnostics p95 <= 50 ms and <= 10x
`ast.parse`; hover p95 <= 10 ms; RSS <= 200 MB. `--root` times another checkout (a "before" run);
`--runs N` repeats the latency measurement with N fresh servers and reports the median of each figure
(the machine may be shared: single runs vary). `--cpu` measures only the CPU time per edit of the
server's document layer in one process (`Documents.change` + `analysis`, same edits), which load from
other processes disturbs least.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
LARGEST = "nki-library/src/nkilib_src/nkilib/core/qkv/qkv_cte.py"
QUIET_SECONDS = 0.25  # longer than the server's debounce window (nki_ls/scheduler.py)
GOALS = {"diagnostics_ms": 50.0, "parse_ratio": 10.0, "hover_ms": 10.0, "rss_mb": 200.0}


class Client:
    """A minimal JSON-RPC client over the server's stdin/stdout; notifications land in a queue."""

    def __init__(self, root: Path) -> None:
        env = dict(os.environ, PYTHONPATH=f"{root / 'compiler'}:{root}")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nki_ls", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=root,
        )
        self.next_id = 0
        self.responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(stream.read(length))
            if "id" in message and "method" not in message:
                self.responses.setdefault(message["id"], queue.Queue()).put(message)
            elif "id" in message:  # a request from the server (configuration, registration): accept it
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            else:
                self.notifications.put(message)

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        with self.lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float = 60.0) -> Any:
        self.next_id += 1
        ident = self.next_id
        box = self.responses.setdefault(ident, queue.Queue())
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return box.get(timeout=timeout).get("result")

    def wait_diagnostics(self, uri: str, version: int | None, timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.notifications.get(timeout=max(0.01, deadline - time.monotonic()))
            params = message.get("params") or {}
            if message.get("method") != "textDocument/publishDiagnostics" or params.get("uri") != uri:
                continue
            if version is None or params.get("version") in (version, None):
                return params

    def drain(self) -> None:
        while not self.notifications.empty():
            self.notifications.get_nowait()

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kilobytes / 1024

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except (queue.Empty, subprocess.TimeoutExpired, BrokenPipeError):
            self.process.kill()


def initialize(client: Client, workspace: Path) -> None:
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": workspace.as_uri(),
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
        },
    )
    client.notify("initialized", {})


def generated_kernel_file(lines: int = 1500) -> str:
    """NKI 0.6 kernels (loads, engine ops, stores, helpers) repeated to about `lines` lines."""
    header = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n"
    blocks = []
    index = 0
    while header.count("\n") + sum(b.count("\n") for b in blocks) < lines:
        blocks.append(
            f"""
def scale_{index}(tile, factor):
    result = nl.ndarray(tile.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_scalar(dst=result, data=tile, op0=nl.multiply, operand0=factor)
    return result


@nki.jit
def kernel_{index}(a, b):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    for t in nl.static_range(a.shape[0] // 128):
        x = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.sbuf)
        y = nl.ndarray((128, 512), dtype=b.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=x, src=a[t * 128 : (t + 1) * 128, 0:512])
        nisa.dma_copy(dst=y, src=b[t * 128 : (t + 1) * 128, 0:512])
        z = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_tensor(dst=z, data1=x, data2=y, op=nl.add)
        w = scale_{index}(z, 2.0)
        nisa.dma_copy(dst=out[t * 128 : (t + 1) * 128, 0:512], src=w)
    return out
"""
        )
        index += 1
    return header + "".join(blocks)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def parse_seconds(text: str, repeat: int = 7) -> float:
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeat):
            start = time.perf_counter()
            ast.parse(text)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def edit_latencies(client: Client, uri: str, text: str, edits: int) -> list[float]:
    """Alternately add and remove a trailing space on a line in the middle of the file."""
    lines = text.splitlines()
    line = len(lines) // 2
    column = len(lines[line])
    samples = []
    for version in range(2, edits + 2):
        time.sleep(QUIET_SECONDS)
        client.drain()
        if version % 2 == 0:
            change = {"range": _range(line, column, line, column), "text": " "}
        else:
            change = {"range": _range(line, column, line, column + 1), "text": ""}
        start = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        client.wait_diagnostics(uri, version)
        samples.append(time.perf_counter() - start)
    return samples


def hover_latencies(client: Client, uri: str, text: str, hovers: int) -> list[float]:
    """Hover over the API names of the file (`nl.ndarray`, `nisa.dma_copy`, ...), round robin."""
    positions = [
        (number, line.index(name) + len(name) + 1)
        for number, line in enumerate(text.splitlines())
        for name in ("nl.", "nisa.")
        if name in line and not line.lstrip().startswith(("#", "import", "from"))
    ] or [(0, 0)]
    samples = []
    for i in range(hovers):
        line, character = positions[(i * 7919) % len(positions)]
        start = time.perf_counter()
        client.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        samples.append(time.perf_counter() - start)
    return samples


def _range(l1: int, c1: int, l2: int, c2: int) -> dict[str, Any]:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def measure_file(client: Client, path: Path, args: argparse.Namespace) -> dict[str, float]:
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    client.wait_diagnostics(uri, 1)
    edits = edit_latencies(client, uri, text, args.edits)
    hovers = hover_latencies(client, uri, text, args.hovers)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    parse = parse_seconds(text)
    figures = {
        "lines": text.count("\n"),
        "parse_ms": parse * 1000,
        "diagnostics_p50_ms": percentile(edits, 0.5) * 1000,
        "diagnostics_p95_ms": percentile(edits, 0.95) * 1000,
        "hover_p50_ms": percentile(hovers, 0.5) * 1000,
        "hover_p95_ms": percentile(hovers, 0.95) * 1000,
    }
    figures["parse_ratio"] = figures["diagnostics_p95_ms"] / figures["parse_ms"]
    return figures


#: Run by `cpu_per_edit` in a fresh interpreter on the measured checkout (argv: path, edits).
_CPU_PROBE = """
import gc, json, statistics, sys, time
from nki_ls.features.diagnostics import Documents
path, edits = sys.argv[1], int(sys.argv[2])
text = open(path, encoding="utf-8").read()
lines = text.splitlines(keepends=True)
middle = len(lines) // 2
spaced = "".join([*lines[:middle], lines[middle].rstrip("\\n") + " \\n", *lines[middle + 1 :]])
documents = Documents()
documents.open(path, text, 1)
documents.analysis(path)
documents.tidy()
gc.freeze()
samples = []
for version in range(2, edits + 2):
    gc.disable()
    started = time.process_time()
    documents.change(path, spaced if version % 2 == 0 else text, version)
    documents.analysis(path)
    samples.append(time.process_time() - started)
    gc.enable()
    documents.tidy()
print(json.dumps(statistics.median(samples) * 1000))
"""


def cpu_per_edit(root: Path, path: Path, edits: int) -> float:
    """Median CPU ms per edit of the server's document layer (`Documents.change` + `analysis`) in one
    process, for the same edits as `edit_latencies` with the collector paused as while typing: the
    figure a shared machine disturbs least."""
    env = dict(os.environ, PYTHONPATH=f"{root / 'compiler'}:{root}")
    result = subprocess.run(
        [sys.executable, "-c", _CPU_PROBE, str(path), str(edits)],
        env=env, cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(result.stdout.strip().splitlines()[-1])


def measure_rss(client: Client, files: list[Path]) -> float:
    for version, path in enumerate(files, start=1):
        text = path.read_text(encoding="utf-8", errors="replace")
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.resolve().as_uri(),
                    "languageId": "python",
                    "version": version,
                    "text": text,
                }
            },
        )
    if files:
        client.wait_diagnostics(files[-1].resolve().as_uri(), None, timeout=600)
    time.sleep(1.0)
    return client.rss_mb()


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def verdict(value: float, goal: float) -> str:
    return "meets" if value <= goal else "misses"


def report(name: str, figures: dict[str, float]) -> None:
    print(f"{name} ({figures['lines']:.0f} lines, ast.parse {figures['parse_ms']:.1f} ms)")
    p95 = figures["diagnostics_p95_ms"]
    print(f"  didChange -> publishDiagnostics  p50 {figures['diagnostics_p50_ms']:7.1f} ms  p95 {p95:7.1f} ms"
          f"  ({verdict(p95, GOALS['diagnostics_ms'])} <= {GOALS['diagnostics_ms']:g} ms)")  # fmt: skip
    ratio = figures["parse_ratio"]
    print(
        f"  p95 / ast.parse                   x{ratio:.1f}  ({verdict(ratio, GOALS['parse_ratio'])} <= x{GOALS['parse_ratio']:g})"
    )
    hover = figures["hover_p95_ms"]
    print(f"  hover                            p50 {figures['hover_p50_ms']:7.1f} ms  p95 {hover:7.1f} ms"
          f"  ({verdict(hover, GOALS['hover_ms'])} <= {GOALS['hover_ms']:g} ms)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose server is measured")
    parser.add_argument("--edits", type=int, default=40, help="didChange samples per file")
    parser.add_argument("--hovers", type=int, default=200, help="hover samples per file")
    parser.add_argument("--files", type=int, default=200, help="files opened for the RSS figure")
    parser.add_argument("--runs", type=int, default=1, help="latency runs (fresh servers); medians reported")
    parser.add_argument("--cpu", action="store_true", help="only the in-process CPU per edit (no server)")
    args = parser.parse_args(argv)
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch)
        generated = workspace / "generated_kernels.py"
        generated.write_text(generated_kernel_file(), encoding="utf-8")
        targets = [("generated 1,500-line kernel file", generated)]
        largest = args.corpus / LARGEST
        if largest.is_file():
            targets.insert(0, (f"largest corpus file {largest.name}", largest))
        else:
            print(f"{largest} is absent: only the generated file is measured")
        if args.cpu:
            for name, path in targets:
                cpu = statistics.median(
                    cpu_per_edit(args.root.resolve(), path, args.edits) for _ in range(args.runs)
                )
                print(f"{name}: in-process CPU per edit (median) {cpu:.1f} ms")
            return 0
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in targets}
        for run in range(1, args.runs):
            client = Client(args.root.resolve())
            try:
                initialize(client, workspace)
                for name, path in targets:
                    runs[name].append(measure_file(client, path, args))
                    print(f"run {run}: {name}: p95 {runs[name][-1]['diagnostics_p95_ms']:.1f} ms")
            finally:
                client.close()
        client = Client(args.root.resolve())
        try:
            initialize(client, workspace)
            for name, path in targets:
                runs[name].append(measure_file(client, path, args))
                report(
                    name if args.runs == 1 else f"{name}, medians of {args.runs} runs", medians(runs[name])
                )
            files = sorted(args.corpus.rglob("*.py"))[: args.files] if args.corpus.is_dir() else []
            if len(files) < args.files:  # pad with copies of the generated file
                for i in range(args.files - len(files)):
                    copy = workspace / f"copy_{i}.py"
                    copy.write_text(generated.read_text(encoding="utf-8"), encoding="utf-8")
                    files.append(copy)
            rss = measure_rss(client, files)
            print(f"server RSS after opening {len(files)} files: {rss:.0f} MB "
                  f"({verdict(rss, GOALS['rss_mb'])} <= {GOALS['rss_mb']:g} MB)")  # fmt: skip
        finally:
            client.close()
    print(f"load average after: {_load()} (latencies are only comparable between quiet runs)")
    return 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
