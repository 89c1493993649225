from __future__ import annotations

import numpy as np
import pytest

from nki_sim import Machine, execute, numerics
from nki_sim.machine import Core
from nki_sim.views import TensorView


@pytest.fixture
def core() -> Core:
    return Machine("trn3").cores[0]


@pytest.fixture(params=["trn1", "trn2", "trn3"])
def any_core(request: pytest.FixtureRequest) -> Core:
    return Machine(request.param).cores[0]


def tile(core: Core, values: object, dtype: str = "float32", buffer: str = "sbuf") -> TensorView:
    """An on-chip tensor holding `values` (rounded to `dtype`)."""
    array = np.asarray(values)
    storage = core.allocate("t", array.shape, dtype, buffer)
    storage.data[...] = numerics.cast(array.reshape(-1), storage.data.dtype, dtype)
    return storage.view()


def fresh(core: Core, shape: tuple[int, ...], dtype: str = "float32", buffer: str = "sbuf") -> TensorView:
    return core.allocate("out", shape, dtype, buffer).view()


def values(t: TensorView) -> np.ndarray:
    return numerics.to_fp32(t.array, t.dtype)


def run(core: Core, opcode: str, **operands: object) -> None:
    execute(core, opcode, **operands)


def rand(shape: tuple[int, ...], seed: int = 0, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)
