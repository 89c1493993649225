"""One BLAS thread while kernels are simulated.

The simulated matmuls are small (K, M <= 128, N <= 512 on trn1/trn2): spread over BLAS threads they spend
more time waking and waiting for the threads than multiplying, and on a machine busy with other work a
waiting thread that is descheduled makes one 128x128x512 product take ten times its single-thread time
(measured: a 2048^3 tiled matmul kernel 2.4 s instead of 0.3 s with two BLAS threads on two shared cores).
So a run limits BLAS to one thread (threadpoolctl, when installed) and puts the caller's setting back after.
OpenBLAS (0.3.31, pthreads) takes a new thread count from the main thread only and applies it to all
threads: `run` sets it in its caller's thread before the LNC2 cores start theirs.

Runs overlap (LNC2 cores, several threads simulating at once): the first to start sets the limit and the
last to finish restores it, so an interleaving can never leave the process at one thread for good.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["single_threaded_blas"]

_LOCK = threading.Lock()
_state: dict[str, Any] = {"depth": 0, "limiter": None, "controller": None}


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    with _LOCK:
        if _state["depth"] == 0:
            _state["limiter"] = _limit()
        _state["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["depth"] -= 1
            limiter = _state["limiter"]
            if _state["depth"] == 0 and limiter is not None:
                _state["limiter"] = None
                limiter.restore_original_limits()


def _limit() -> Any:
    """A threadpoolctl limiter holding BLAS at one thread, or None without threadpoolctl."""
    controller = _state["controller"]
    if controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return None
        controller = _state["controller"] = ThreadpoolController()  # finds the loaded BLAS once (slow)
    return controller.limit(limits=1, user_api="blas")
