"""Pausing Python's cyclic garbage collector around bursts that allocate many long-lived objects.

Several threads may pause at once (the language server's typing path, a specialization in a worker
thread, the simulator's LNC threads calling the runtime): a plain `isenabled()/disable()/enable()` per
caller can interleave so that the collector stays off for good. One process-wide depth counter under a
lock restores the collector exactly when the last pause ends, and only if it was on before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
