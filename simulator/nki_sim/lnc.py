"""LNC2: the two cores of a launch run in two threads and meet at `core_barrier` / `sendrecv`.

`run_cores` starts one thread per core. A core that fails or finishes breaks the barrier, so a core still
waiting for it (a barrier or `sendrecv` the other core never reaches: a deadlock on hardware) fails with a
clear error instead of hanging. The first real error (lowest core first) is raised to the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nki_sim.errors import SimulationError
from nki_sim.semantics.common import name_of
from nki_sim.views import TensorView

__all__ = ["Rendezvous", "run_cores", "WAIT_SECONDS"]

#: A core waiting longer than this for the other one is reported (generous: the other may be busy).
WAIT_SECONDS = 600.0


class Rendezvous:
    """Where the cores of one launch synchronise: a barrier and one mailbox per (pipe id, receiver)."""

    def __init__(self, cores: int) -> None:
        self.cores = cores
        self._mailbox: dict[tuple[Any, int], np.ndarray] = {}
        self._cond = threading.Condition()
        self._arrived = 0
        self._generation = 0
        self._finished = 0

    def wait(self, core: int, opcode: str) -> None:
        """Block until every core has arrived; fail when another core can no longer arrive."""
        with self._cond:
            generation = self._generation
            self._arrived += 1
            if self._arrived == self.cores:
                self._arrived, self._generation = 0, generation + 1
                self._cond.notify_all()
                return
            self._cond.wait_for(lambda: self._generation != generation or self._finished > 0, WAIT_SECONDS)
            if self._generation != generation:
                return
            self._arrived -= 1
        raise SimulationError(
            opcode,
            f"core {core} waits for the other core, which has finished or failed (deadlock on hardware)",
            "§4.1 both LNC cores must run the same synchronisation sequence",
        )

    def release(self) -> None:
        """This core is done (or failed): nobody can meet it any more."""
        with self._cond:
            self._finished += 1
            self._cond.notify_all()

    def barrier(self, core: int, opcode: str, operands: dict[str, Any]) -> None:
        cores = operands.get("cores")
        if tuple(cores or ()) != (0, 1):
            raise SimulationError(opcode, f"cores must be (0, 1), not {cores!r}", "§4.1 core_barrier cores")
        data = operands.get("data")
        if not isinstance(data, TensorView) or data.buffer not in ("shared_hbm", "hbm"):
            raise SimulationError(opcode, "data must be a tensor in shared HBM", "§4.1 core_barrier data")
        self.wait(core, opcode)

    def sendrecv(
        self,
        core: int,
        src: Any,
        dst: Any,
        send_to_rank: Any,
        recv_from_rank: Any,
        pipe_id: Any,
        dma_engine: Any = None,
        name: Any = None,
    ) -> None:
        """Send `src` to core `send_to_rank`'s `dst` while receiving core `recv_from_rank`'s `src` here."""
        op = "sendrecv"
        _check_sendrecv(src, dst, send_to_rank, recv_from_rank, dma_engine)
        self._mailbox[(pipe_id, int(send_to_rank))] = np.array(src.array, copy=True)
        self.wait(core, op)
        received = self._mailbox.pop((pipe_id, core), None)
        if received is None:
            raise SimulationError(op, f"core {recv_from_rank} sent nothing to core {core} on pipe {pipe_id!r}",
                                  "§4.1 sendrecv ranks must match")  # fmt: skip
        if received.shape != dst.array.shape:
            raise SimulationError(op, f"received {list(received.shape)} into dst {list(dst.shape)}",
                                  "§4.1 sendrecv same shape on both cores")  # fmt: skip
        dst.array[...] = received
        self.wait(core, op)  # the mailbox may be reused only after both cores have read


def _check_sendrecv(src: Any, dst: Any, send_to: Any, recv_from: Any, dma_engine: Any) -> None:
    op = "sendrecv"
    if not isinstance(src, TensorView) or not isinstance(dst, TensorView):
        raise SimulationError(op, "src and dst must be tensors", "§4 operand kinds")
    if src.buffer != "sbuf" or dst.buffer != "sbuf":
        raise SimulationError(op, "src and dst must be in SBUF", "§4.1 sendrecv SBUF")
    if src.dtype != dst.dtype or src.shape != dst.shape:
        raise SimulationError(op, f"src {src.dtype}{list(src.shape)} and dst {dst.dtype}{list(dst.shape)} differ",
                              "§4.1 sendrecv same dtype and shape")  # fmt: skip
    if send_to not in (0, 1) or recv_from not in (0, 1):
        raise SimulationError(
            op, f"ranks must be 0 or 1, not {send_to!r}/{recv_from!r}", "§4.1 sendrecv ranks"
        )
    if name_of(dma_engine) == "gpsimd_dma":
        limit = {4: 1024, 2: 512, 1: 256}.get(src.array.itemsize, 1024)
        size = src.free_size * src.array.itemsize
        if size > limit:
            raise SimulationError(op, f"{size} bytes per partition exceed {limit} for gpsimd_dma",
                                  "§4.1 sendrecv gpsimd_dma size")  # fmt: skip


def run_cores(bodies: Sequence[Callable[[], None]], rendezvous: Rendezvous) -> None:
    """Run one body per core (a single core runs inline) and re-raise the first failure."""
    if len(bodies) == 1:
        bodies[0]()
        return
    errors: list[BaseException | None] = [None] * len(bodies)

    def target(index: int) -> None:
        try:
            bodies[index]()
        except BaseException as error:  # noqa: BLE001  (handed to the calling thread)
            errors[index] = error
        finally:
            rendezvous.release()

    threads = [threading.Thread(target=target, args=(i,), name=f"nki-core{i}") for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [e for e in errors if e is not None]
    primary = [e for e in failures if not _is_broken_wait(e)]
    if primary or failures:
        raise (primary or failures)[0]


def _is_broken_wait(error: BaseException) -> bool:
    return isinstance(error, SimulationError) and "waits for the other core" in error.message
