"""Explicit machine state: HBM tensors, per-NeuronCore SBUF/PSUM allocations, registers, accumulators, RNG.

There is no capacity or overlap modelling (nki-api.md §2.2 item 7): every on-chip allocation is its own
`Storage`, grouped per core and buffer. Fresh memory is filled with NaN / the integer sentinel.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nki_sim import numerics
from nki_sim.errors import SimulationWarning
from nki_sim.views import BUFFERS, Storage

__all__ = ["Machine", "Core", "GENERATIONS", "PARTITIONS"]

GENERATIONS = {"trn1": 2, "inf2": 2, "trn2": 3, "trn3": 4}
PARTITIONS = 128
#: Vector-engine XORWOW state per lane on v4 (4 states x 6 words); GpSimd keeps 6 words per lane.
RNG_WORDS = {"vector": 24, "gpsimd": 6}


@dataclass(eq=False)
class Core:
    """One NeuronCore: its on-chip memory, sequencer registers and engine accumulators."""

    machine: Machine
    index: int
    sbuf: dict[str, Storage] = field(default_factory=dict)
    psum: dict[str, Storage] = field(default_factory=dict)
    registers: dict[str, int] = field(default_factory=dict)
    #: Scalar-engine `reduce_regs`, one fp32 per lane (nki-api.md §4.0.4).
    scalar_acc: np.ndarray = field(default_factory=lambda: np.zeros(PARTITIONS, np.float32))
    #: Vector-engine per-lane accumulators (exponential, range_select, select_reduce, tensor_scalar_*).
    vector_acc: np.ndarray = field(default_factory=lambda: np.zeros(PARTITIONS, np.float32))
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    rng_state: dict[str, np.ndarray] = field(default_factory=dict)
    executed: int = 0  # instructions run so far, in program order
    _allocated: int = field(default=0, repr=False)  # on-chip allocations so far (unique names)
    _keys: dict[int, str] = field(default_factory=dict, repr=False)  # id(storage) -> its key in sbuf/psum

    @property
    def generation(self) -> int:
        return self.machine.generation

    @property
    def precise(self) -> bool:
        return self.machine.precise

    def allocate(self, name: str, shape: Sequence[int], dtype: object, buffer: str = "sbuf") -> Storage:
        """A fresh on-chip (or private HBM) tensor of this core."""
        if buffer in ("hbm", "shared_hbm", "private_hbm"):
            return self.machine.allocate_hbm(name, shape, dtype, buffer)
        storage = Storage.fresh(name, shape, dtype, buffer, self.precise)
        key = f"{name}#{self._allocated}"
        self._allocated += 1
        (self.psum if buffer == "psum" else self.sbuf)[key] = storage
        self._keys[id(storage)] = key
        return storage

    def free(self, storage: Storage) -> None:
        """Drop an on-chip tensor the program no longer uses (its memory can serve later allocations)."""
        key = self._keys.pop(id(storage), None)
        if key is not None:
            (self.psum if storage.buffer == "psum" else self.sbuf).pop(key, None)

    def warn(self, opcode: str, message: str) -> None:
        warnings.warn(f"{opcode}: {message}", SimulationWarning, stacklevel=3)


class Machine:
    """The simulated device: HBM shared by `lnc` cores (LNC2 runs two programs on two cores)."""

    def __init__(
        self, target: str = "trn3", lnc: int = 1, precise: bool | None = None, seed: int = 0
    ) -> None:
        if target not in GENERATIONS:
            raise ValueError(f"unknown target {target!r}; expected one of {sorted(GENERATIONS)}")
        if lnc not in (1, 2):
            raise ValueError(f"LNC must be 1 or 2, not {lnc}")
        self.target = target
        self.generation = GENERATIONS[target]
        self.precise = numerics.precise_from_env() if precise is None else precise
        self.hbm: dict[str, Storage] = {}
        self.cores = [Core(self, i, rng=np.random.default_rng(seed + i)) for i in range(lnc)]

    @property
    def lnc(self) -> int:
        return len(self.cores)

    def allocate_hbm(
        self, name: str, shape: Sequence[int], dtype: object, buffer: str = "shared_hbm"
    ) -> Storage:
        if buffer not in BUFFERS:
            raise ValueError(f"unknown buffer {buffer!r}")
        storage = Storage.fresh(name, shape, dtype, buffer, self.precise)
        self.hbm[self._unique(name)] = storage
        return storage

    def input(self, name: str, array: np.ndarray, dtype: object = None) -> Storage:
        """A kernel argument in HBM. A C-contiguous array of the storage dtype is shared, so writes by the
        kernel update it in place; otherwise the values are copied (call `write_back` afterwards)."""
        nki_dtype = numerics.numeric(dtype if dtype is not None else _nki_name(array.dtype)).name
        wanted = numerics.storage_dtype(nki_dtype, self.precise)
        if array.flags.c_contiguous and array.dtype == wanted and array.flags.writeable:
            storage = Storage.wrap(name, array, nki_dtype, "hbm")
        else:
            storage = Storage.fresh(name, array.shape, nki_dtype, "hbm", self.precise)
            storage.data[...] = numerics.cast(np.asarray(array).reshape(-1), wanted, nki_dtype)
        self.hbm[self._unique(name)] = storage
        return storage

    def _unique(self, name: str) -> str:
        key, n = name, 1
        while key in self.hbm:
            key, n = f"{name}#{n}", n + 1
        return key


def _nki_name(dtype: np.dtype) -> str:
    if dtype == np.bool_:
        return "bool"
    return np.dtype(dtype).name
