"""The server survives random and malformed messages over real stdio and still answers afterwards.

`make test` sends 2,000 messages per seed; `make fuzz-lsp` sends the 10,000 of issue 5.
"""

from __future__ import annotations

import collections
import time
from pathlib import Path
from typing import Any

import pytest

from nki_compiler.check import check_source
from tests.nki_ls.fuzz_lsp import Connection, Fuzzer, kernel_texts

HOVER_TEXT = "import nki.isa as nisa\nnisa.dma_copy\n"
PUSH_CLIENT: dict[str, Any] = {}
PULL_CLIENT: dict[str, Any] = {
    "textDocument": {"diagnostic": {"dynamicRegistration": False}},
    "workspace": {"diagnostics": {"refreshSupport": True}, "configuration": True},
    "general": {"positionEncodings": ["utf-8", "utf-16"]},
}


def fuzz(tmp_path: Path, seed: int, count: int, capabilities: dict[str, Any]) -> dict[str, Any]:
    """Send `count` fuzz messages, then check that hover and a diagnostic pull still answer correctly."""
    (tmp_path / "on_disk.py").write_text(kernel_texts()[0], encoding="utf-8")
    uris = [(tmp_path / name).as_uri() for name in ("a.py", "b.py", "on_disk.py")]
    uris += ["file:///nowhere/x.py", "untitled:Untitled-1", "file:///", "not a uri", "file:///%ZZ.py"]
    fuzzer = Fuzzer(seed, uris, kernel_texts())
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        server = Connection(stderr)
        try:
            started = time.perf_counter()
            initialize = {"capabilities": capabilities, "rootUri": tmp_path.as_uri()}
            assert "result" in server.request(0, "initialize", initialize)
            server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
            for _ in range(count):
                server.write(fuzzer.frame())
            _assert_still_serving(server, tmp_path)
            elapsed = time.perf_counter() - started
            owed = fuzzer.expected_ids - fuzzer.cancelled_ids
            unanswered = sorted(i for i in owed if str(i) not in server.answered_ids)
            assert server.process.poll() is None, "the server exited"
        finally:
            server.close()
    log = stderr_path.read_text(encoding="utf-8", errors="replace")
    ours = [line for line in log.splitlines() if line.startswith(("ERROR nki_ls", "CRITICAL"))]
    assert not ours, "internal errors of nki-ls:\n" + "\n".join(ours[:20])
    assert not unanswered, f"{len(unanswered)} well-formed requests never answered: {unanswered[:10]}"
    assert not server.internal_errors, f"internal errors answered: {server.internal_errors[:10]}"
    return {"sent": fuzzer.kinds, "received": server.received, "seconds": round(elapsed, 1)}


def _assert_still_serving(server: Connection, tmp_path: Path) -> None:
    uri = (tmp_path / "final.py").as_uri()
    broken = (Path(__file__).resolve().parents[2] / "examples" / "broken_kernel.py").read_text(
        encoding="utf-8"
    )
    for name, text in (("final.py", HOVER_TEXT), ("final_broken.py", broken)):
        item = {"uri": (tmp_path / name).as_uri(), "languageId": "python", "version": 1, "text": text}
        server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}})
    hover = {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}}
    answer = server.request(1, "textDocument/hover", hover, timeout=120)
    assert "nisa.dma_copy(dst, src" in answer["result"]["contents"]["value"]
    pull = {"textDocument": {"uri": (tmp_path / "final_broken.py").as_uri()}}
    report = server.request(2, "textDocument/diagnostic", pull, timeout=120)["result"]
    codes = collections.Counter(item["code"] for item in report["items"])
    expected = collections.Counter(d.code for d in check_source(broken, str(tmp_path / "final_broken.py")))
    assert expected and +(expected - codes) == collections.Counter()


@pytest.mark.parametrize(("seed", "capabilities"), [(1, PUSH_CLIENT), (2, PULL_CLIENT)])
def test_fuzz_2000_messages(tmp_path: Path, seed: int, capabilities: dict[str, Any]) -> None:
    figures = fuzz(tmp_path, seed, 2000, capabilities)
    assert figures["received"]["result"] > 100
    print(figures)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "capabilities"), [(3, PUSH_CLIENT), (4, PULL_CLIENT)])
def test_fuzz_10000_messages(tmp_path: Path, seed: int, capabilities: dict[str, Any]) -> None:
    figures = fuzz(tmp_path, seed, 10_000, capabilities)
    assert figures["received"]["result"] > 500
    print(figures)
