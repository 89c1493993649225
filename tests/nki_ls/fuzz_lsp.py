"""Seeded LSP fuzz messages and a raw stdio connection to `nki-ls` (issue 5).

`Fuzzer.frame()` yields the bytes of one message: a well-formed request or notification for a
method the server supports (with mutated kernel texts and random or out-of-range positions), or a
malformed one (wrong types, missing fields, unknown methods, invalid JSON, wrong framing).
Broken framing is followed by a line break, so the stream resynchronises at the next header.
"""

from __future__ import annotations

import collections
import copy
import json
import queue
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
KERNEL_DIRS = [ROOT / "tests" / "data" / "kernels", ROOT / "examples"]
JUNK: list[Any] = [
    None,
    0,
    -1,
    2**31,
    2**64,
    "",
    "\x00\ud7ff",
    [],
    {},
    {"uri": 3},
    [[[]]],
    True,
    1.5,
    "x" * 500,
]
UNICODE = ["é", "𝔸", "\u200b", "\ufeff", "\r", "\r\n", "\t", "\x00", "\u2028", "😀", "ß", "\\", "'''", '"']
INTERNAL_ERROR = -32603
MAX_QUEUED = 64  # frames waiting for the writer thread
METHODS_WITHOUT_PARAMS = [
    "shutdown",
    "workspace/diagnostic/refresh",
    "$/setTrace",
    "nki/unknown",
    "",
    "textDocument/",
]


def kernel_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for d in KERNEL_DIRS for p in sorted(d.glob("*.py"))]


class TextMutator:
    """Random edits of real kernels: truncations, cut/duplicated spans, stray unicode, huge lines."""

    def __init__(self, rng: random.Random, texts: list[str]) -> None:
        self.rng = rng
        self.texts = texts

    def text(self) -> str:
        text = self.rng.choice(self.texts)
        for _ in range(self.rng.randint(0, 3)):
            text = self.rng.choice(self._edits)(text)
        return text

    @property
    def _edits(self) -> list[Callable[[str], str]]:
        return [
            self._truncate,
            self._cut,
            self._duplicate,
            self._insert_unicode,
            self._huge_line,
            self._shuffle,
        ]

    def _cut_points(self, text: str) -> tuple[int, int]:
        a, b = sorted(self.rng.randint(0, len(text)) for _ in range(2))
        return a, b

    def _truncate(self, text: str) -> str:
        return text[: self.rng.randint(0, len(text))]

    def _cut(self, text: str) -> str:
        a, b = self._cut_points(text)
        return text[:a] + text[b:]

    def _duplicate(self, text: str) -> str:
        a, b = self._cut_points(text)
        return text[:b] + text[a:b] + text[b:]

    def _insert_unicode(self, text: str) -> str:
        at = self.rng.randint(0, len(text))
        return text[:at] + "".join(self.rng.choices(UNICODE, k=self.rng.randint(1, 8))) + text[at:]

    def _huge_line(self, text: str) -> str:
        at = self.rng.randint(0, len(text))
        filler = self.rng.choice(
            ["x = nl.ndarray((128, 512))" * 400, "(" * 2000, "a" * 100_000, "nl." * 3000]
        )
        return text[:at] + filler + text[at:]

    def _shuffle(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        self.rng.shuffle(lines)
        return "".join(lines)


class Fuzzer:
    """Seeded generator of framed JSON-RPC messages for the methods `nki-ls` supports."""

    def __init__(self, seed: int, uris: list[str], texts: list[str]) -> None:
        self.rng = random.Random(seed)
        self.uris = uris
        self.mutator = TextMutator(self.rng, texts)
        self.next_id = 1000
        self.versions: dict[str, int] = collections.defaultdict(int)
        self.kinds: collections.Counter[str] = collections.Counter()
        self.expected_ids: set[int] = set()  # well-formed requests, each owed an answer unless cancelled
        self.cancelled_ids: set[int] = set()

    # -- framing

    def frame(self) -> bytes:
        roll = self.rng.random()
        if roll < 0.03:
            return self._broken_framing()
        if roll < 0.06:
            self.kinds["invalid json"] += 1
            return _framed(
                self.rng.choice([b"{not json", b"[]", b"[1, 2]", b"null", b'"x"', b"{\xff\xfe}", b"{}"])
            )
        message = self.message()
        if roll < 0.25:
            self.kinds["malformed"] += 1
            message = self._malform(message)
        else:
            self.kinds["well-formed"] += 1
            if "id" in message and not message["method"].startswith("$/"):  # `$/` requests may go unanswered
                self.expected_ids.add(message["id"])
        return _framed(json.dumps(message).encode())

    def _broken_framing(self) -> bytes:
        self.kinds["wrong framing"] += 1
        body = json.dumps(self.message()).encode()
        choice = self.rng.randrange(4)
        if choice == 0:  # shorter than the body: the rest is read as a header line
            return b"Content-Length: %d\r\n\r\n" % self.rng.randint(1, len(body)) + body + b"\r\n"
        if choice == 1:  # longer than the body: the garbage after it belongs to the message
            extra = self.rng.randint(1, 40)
            return b"Content-Length: %d\r\n\r\n" % (len(body) + extra) + body + b"#" * extra
        if choice == 2:  # no usable length at all
            header = self.rng.choice(
                [b"Content-Length: x\r\n", b"Content-Type: json\r\n", b"", b"content-length 5\r\n"]
            )
            return header + b"\r\n" + body + b"\r\n"
        return b"Content-Length: 0\r\n\r\n" + body + b"\r\n"

    # -- well-formed messages

    def message(self) -> dict[str, Any]:
        method, params, is_request = self.rng.choice(self._builders)()
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if is_request:
            self.next_id += 1
            message["id"] = self.next_id
        return message

    @property
    def _builders(self) -> list[Callable[[], tuple[str, Any, bool]]]:
        return [
            self._did_open, self._did_open, self._did_change, self._did_change, self._did_save, self._did_close,
            self._positional, self._positional, self._positional, self._ranged, self._document,
            self._workspace_diagnostic, self._execute_command, self._configuration, self._watched_files,
            self._cancel, self._unknown,
        ]  # fmt: skip

    def uri(self) -> str:
        return self.rng.choice(self.uris)

    def _identifier(self, uri: str) -> dict[str, Any]:
        self.versions[uri] += 1
        version = self.rng.choice([self.versions[uri], self.versions[uri], 0, -1, 2**31 - 1])
        return {"uri": uri, "version": version}

    def position(self) -> dict[str, int]:
        line = self.rng.choice([self.rng.randint(0, 60), self.rng.randint(0, 3), 10**6, 2**31 - 1])
        character = self.rng.choice([self.rng.randint(0, 120), 0, 10**6, 2**31 - 1])
        return {"line": line, "character": character}

    def range(self) -> dict[str, Any]:
        start, end = self.position(), self.position()
        return {"start": start, "end": end}

    def _did_open(self) -> tuple[str, Any, bool]:
        document = {**self._identifier(self.uri()), "languageId": "python", "text": self.mutator.text()}
        return "textDocument/didOpen", {"textDocument": document}, False

    def _did_change(self) -> tuple[str, Any, bool]:
        changes: list[dict[str, Any]] = []
        for _ in range(self.rng.randint(1, 3)):
            text = (
                self.mutator.text()
                if self.rng.random() < 0.3
                else self.rng.choice(UNICODE + ["nl.", "(", "x"])
            )
            change: dict[str, Any] = {"text": text}
            if self.rng.random() < 0.7:
                change["range"] = self.range()
            changes.append(change)
        params = {"textDocument": self._identifier(self.uri()), "contentChanges": changes}
        return "textDocument/didChange", params, False

    def _did_save(self) -> tuple[str, Any, bool]:
        return "textDocument/didSave", {"textDocument": {"uri": self.uri()}}, False

    def _did_close(self) -> tuple[str, Any, bool]:
        return "textDocument/didClose", {"textDocument": {"uri": self.uri()}}, False

    def _positional(self) -> tuple[str, Any, bool]:
        method = self.rng.choice(
            ["textDocument/hover", "textDocument/completion", "textDocument/signatureHelp"]
        )
        return method, {"textDocument": {"uri": self.uri()}, "position": self.position()}, True

    def _ranged(self) -> tuple[str, Any, bool]:
        params: dict[str, Any] = {"textDocument": {"uri": self.uri()}, "range": self.range()}
        if self.rng.random() < 0.5:
            return "textDocument/inlayHint", params, True
        diagnostic = {
            "range": self.range(),
            "message": "m",
            "source": "nki",
            "code": self.rng.choice(["NKI001", 7]),
        }
        if self.rng.random() < 0.5:
            diagnostic["data"] = self.rng.choice(
                [{"fixes": [{"title": "t", "edits": "x"}]}, {"fixes": 3}, [1], "x"]
            )
        params["context"] = {"diagnostics": [diagnostic] * self.rng.randint(0, 2)}
        return "textDocument/codeAction", params, True

    def _document(self) -> tuple[str, Any, bool]:
        params: dict[str, Any] = {"textDocument": {"uri": self.uri()}}
        if self.rng.random() < 0.5:
            return "textDocument/documentSymbol", params, True
        if self.rng.random() < 0.3:
            params["previousResultId"] = self.rng.choice(["1:1", "", "x" * 50])
        return "textDocument/diagnostic", params, True

    def _workspace_diagnostic(self) -> tuple[str, Any, bool]:
        previous = [
            {"uri": self.uri(), "value": self.rng.choice(["1:1", ""])} for _ in range(self.rng.randint(0, 2))
        ]
        return "workspace/diagnostic", {"previousResultIds": previous}, True

    def _execute_command(self) -> tuple[str, Any, bool]:
        which = self.rng.choice([None, "k", "add_kernel", self.position(), {"line": "x"}, {"line": None}, 5])
        arguments = self.rng.choice(
            [
                [],
                [self.uri()],
                [self.uri(), which],
                [{"uri": self.uri(), "kernel": which}],
                [{"position": which}],
                [7],
            ]
        )
        command = self.rng.choice(["nki.showIR", "nki.profile", "nki.unknown"])
        return "workspace/executeCommand", {"command": command, "arguments": arguments}, True

    def _configuration(self) -> tuple[str, Any, bool]:
        nki = {
            "target": self.rng.choice(["trn1", "trn2", "trn3", "bad", 3]),
            "inlayHints": self.rng.choice([True, "x"]),
        }
        settings = self.rng.choice([{"nki": nki}, None, [1], {"nki": None}, {"nki": {"select": [3]}}])
        return "workspace/didChangeConfiguration", {"settings": settings}, False

    def _watched_files(self) -> tuple[str, Any, bool]:
        changes = [
            {"uri": self.uri(), "type": self.rng.choice([1, 2, 3])} for _ in range(self.rng.randint(0, 3))
        ]
        return "workspace/didChangeWatchedFiles", {"changes": changes}, False

    def _cancel(self) -> tuple[str, Any, bool]:
        target = self.rng.randint(900, self.next_id + 5)
        self.cancelled_ids.add(target)
        return "$/cancelRequest", {"id": target}, False

    def _unknown(self) -> tuple[str, Any, bool]:
        return self.rng.choice(METHODS_WITHOUT_PARAMS[1:]), self.rng.choice(JUNK), self.rng.random() < 0.5

    # -- malformed messages

    def _malform(self, message: dict[str, Any]) -> dict[str, Any]:
        message = copy.deepcopy(message)
        choice = self.rng.randrange(5)
        if choice == 0:
            message["params"] = self.rng.choice(JUNK)
        elif choice == 1:
            _mutate_leaf(self.rng, message, delete=True)
        elif choice == 2:
            _mutate_leaf(self.rng, message, delete=False)
        elif choice == 3:
            message["jsonrpc"] = self.rng.choice(["1.0", None, 2])
        else:
            message["id"] = self.rng.choice([None, "s", [1], {"a": 1}, 1.5, -1])
        return message


def _mutate_leaf(rng: random.Random, message: dict[str, Any], delete: bool) -> None:
    """Delete one field, or replace it by a value of the wrong type, somewhere in the message."""
    container: Any = message
    while True:
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        if not keys:
            return
        key = rng.choice(keys)
        inner = container[key]
        if isinstance(inner, (dict, list)) and inner and rng.random() < 0.7:
            container = inner
            continue
        if delete:
            del container[key]
        else:
            container[key] = rng.choice(JUNK)
        return


def _framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Connection:
    """`nki-ls` over real stdio: raw bytes in; a reader thread parses and counts everything out."""

    def __init__(self, stderr: IO[bytes]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nki_ls"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
        self.responses: queue.Queue[dict[str, Any]] = queue.Queue()
        self.received: collections.Counter[str] = collections.Counter()
        self.answered_ids: set[str] = set()
        self.internal_errors: list[str] = []  # -32603 answers of our handlers (pygls has its own)
        # One writer thread: the reader thread answers the server's requests without ever blocking on a
        # full stdin pipe, so stdout is always drained and neither side can deadlock on the other.
        self.outgoing: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()

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
            self._dispatch(json.loads(stdout.read(length)))

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" in message:
            self.received[message["method"]] += 1
            if "id" in message:  # a request of the server (refresh, registration): answer it
                self.outgoing.put(
                    _framed(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode())
                )
            return
        if "error" in message:
            code = message["error"].get("code")
            self.received[f"error {code}"] += 1
            if code == INTERNAL_ERROR and str(message["error"].get("message")).startswith("nki-ls"):
                self.internal_errors.append(str(message["error"].get("message")))
        else:
            self.received["result"] += 1
        self.answered_ids.add(str(message.get("id")))
        self.responses.put(message)

    def _write(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        while True:
            data = self.outgoing.get()
            try:
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, ValueError):
                return  # the server exited or the connection was closed

    def write(self, data: bytes) -> None:
        """Queue a frame; waits while the server is behind (never call it from the reader thread)."""
        while self.outgoing.qsize() > MAX_QUEUED:
            time.sleep(0.001)
        self.outgoing.put(data)

    def send(self, message: dict[str, Any]) -> None:
        self.write(_framed(json.dumps(message).encode()))

    def request(self, msg_id: int, method: str, params: Any, timeout: float = 60.0) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        while True:
            message = self.responses.get(timeout=timeout)
            answer_id = message.get("id")
            if type(answer_id) is int and answer_id == msg_id:  # a fuzzed `"id": true` also equals 1
                return message

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
