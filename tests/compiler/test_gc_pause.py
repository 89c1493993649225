"""The collector pause is re-entrant across threads: it ends off only if it was off before."""

from __future__ import annotations

import gc
import threading

from nki_compiler.gc_pause import cyclic_gc_paused


def test_nested_pauses_restore_the_collector_once_the_last_ends() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_interleaved_pauses_in_threads_leave_the_collector_on() -> None:
    barrier = threading.Barrier(8)

    def pause_repeatedly() -> None:
        barrier.wait()
        for _ in range(2000):
            with cyclic_gc_paused():
                pass

    threads = [threading.Thread(target=pause_repeatedly) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
