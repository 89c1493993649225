"""When diagnostics are recomputed: at once after a quiet period, then at most once per debounce window.

The first change after a pause is analysed immediately (no added latency); changes that follow
within `DEBOUNCE_SECONDS` are coalesced into one run at the end of the window, which reads the newest
text, so intermediate versions are never analysed.

Before the first run the heap built at start-up (imports, the API registry, protocol types) is moved out
of the collector's reach (`gc.freeze`): otherwise every full collection, which the ASTs of successive
versions trigger every few edits, walks it again (30-70 ms on a 3,000-line file). While a run for
an edit analyses and publishes, the collector is paused: its passes over the run's young objects
happen after the diagnostics are out (reference counting frees the replaced trees as usual). Runs for
opened files do not pause it: opening hundreds of files in a row would raise the heap's high-water mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable

from nki_compiler.gc_pause import cyclic_gc_paused
from nki_compiler.version import __version__

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.15


class Scheduler:
    def __init__(self, run: Callable[[set[str]], None], debounce: float = DEBOUNCE_SECONDS) -> None:
        self._run = run
        self._debounce = debounce
        self._last_run: dict[str, float] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._started = False

    def now(self, paths: set[str]) -> None:
        """Run for these paths immediately (open, save, settings), superseding pending runs."""
        for path in paths:
            self.cancel(path)
        self._execute(paths, typing=False)

    def soon(self, paths: set[str]) -> None:
        """Run for these paths now if they were quiet, else once at the end of their debounce window."""
        due: set[str] = set()
        clock = time.monotonic()
        for path in paths:
            if path in self._timers:
                continue  # the pending run will read the newest text
            wait = self._debounce - (clock - self._last_run.get(path, float("-inf")))
            if wait <= 0:
                due.add(path)
            else:
                self._timers[path] = self._loop().call_later(wait, self._fire, path)
        if due:
            self._execute(due, typing=True)

    def cancel(self, path: str) -> None:
        timer = self._timers.pop(path, None)
        if timer is not None:
            timer.cancel()

    def _fire(self, path: str) -> None:
        self._timers.pop(path, None)
        self._execute({path}, typing=True)

    def _execute(self, paths: set[str], typing: bool) -> None:
        if not paths:
            return
        if not self._started:
            self._started = True
            gc.freeze()  # once: what exists now lives as long as the server
        clock = time.monotonic()
        for path in paths:
            self._last_run[path] = clock
        try:
            with cyclic_gc_paused() if typing else contextlib.nullcontext():
                self._run(paths)
        except Exception:  # a failed run must not stop later ones
            log.exception("nki-ls %s: diagnostics run failed", __version__)

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.get_event_loop_policy().get_event_loop()
