"""The server survives random and malformed messages over real stdio and still answers afterwards."""

from __future__ import annotations

import json
import queue
import random
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

METHODS = [
    "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
    "textDocument/hover", "textDocument/completion", "textDocument/codeAction", "textDocument/signatureHelp",
    "textDocument/documentSymbol", "textDocument/diagnostic", "workspace/diagnostic",
    "workspace/didChangeConfiguration", "workspace/didChangeWatchedFiles", "nki/unknown", "$/cancelRequest",
]  # fmt: skip
JUNK: list[Any] = [None, 0, -1, 2**40, "", "\x00\ud7ff", [], {}, {"uri": 3}, [[[]]], True, 1.5]


class Stdio:
    """A raw JSON-RPC connection; a reader thread drains stdout so the server never blocks on writing."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nki_ls"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = 0
            while (line := stdout.readline()).strip() != b"":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return  # the server exited
            self.messages.put(json.loads(stdout.read(length)))

    def send(self, message: dict[str, Any] | bytes) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def response(self, msg_id: int, timeout: float = 60.0) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=timeout)
            if message.get("id") == msg_id and "method" not in message:
                return message


def _position(rng: random.Random) -> Any:
    return rng.choice([{"line": rng.randint(-2, 40), "character": rng.randint(-2, 200)}, rng.choice(JUNK)])


def _params(rng: random.Random, uri: str) -> Any:
    text = rng.choice(
        ["", "@nki.jit\ndef k(a):\n    del a\n", "\x00\xff" * 50, "(" * 300, "nl." * 20, "é𝔸\r\n" * 9]
    )
    document = {
        "uri": rng.choice([uri, "file:///nowhere/x.py", "untitled:1", 7]),
        "version": rng.randint(-1, 9),
    }
    candidates = [
        {"textDocument": {**document, "languageId": "python", "text": text}},
        {"textDocument": document, "contentChanges": [{"text": text}, {"range": rng.choice(JUNK), "text": "x"}]},
        {"textDocument": document, "position": _position(rng)},
        {"textDocument": document, "range": {"start": _position(rng), "end": _position(rng)},
         "context": {"diagnostics": [{"range": rng.choice(JUNK), "message": "m", "source": "nki", "data": {"fixes": [{"title": "t", "edits": "x"}]}}]}},
        {"settings": rng.choice([{"nki": {"target": rng.choice(["trn1", "bad", 3])}}, None, [1]])},
        {"changes": [{"uri": uri, "type": rng.choice([1, 2, 3, 9])}]},
        {"previousResultIds": rng.choice([[], [{"uri": uri, "value": "1:1"}], "x"])},
        rng.choice(JUNK),
    ]  # fmt: skip
    return rng.choice(candidates)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_and_malformed_messages(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    uri = (tmp_path / "k.py").as_uri()
    server = Stdio()
    try:
        server.send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}})
        assert "result" in server.response(0)
        server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        for msg_id in range(1, 401):
            if rng.random() < 0.05:
                server.send(rng.choice([b"{not json", b"[]", b'{"jsonrpc": "2.0"}', b'{"id": 1}']))
                continue
            message = {"jsonrpc": "2.0", "method": rng.choice(METHODS), "params": _params(rng, uri)}
            if rng.random() < 0.5:
                message["id"] = 10_000 + msg_id
            server.send(message)
        text = "import nki.isa as nisa\nnisa.dma_copy\n"
        item = {"uri": uri, "languageId": "python", "version": 99, "text": text}
        server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}})
        hover = {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}}
        server.send({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": hover})
        answer = server.response(1)
        assert "nisa.dma_copy(dst, src" in answer["result"]["contents"]["value"]
    finally:
        server.process.kill()
        server.process.wait(timeout=10)
