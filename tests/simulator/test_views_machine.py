from __future__ import annotations

import numpy as np
import pytest

from nki_sim import Machine, OutOfBoundsError, SimulationError, make_view
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, run, tile, values


def test_strided_view_reads_and_writes_storage(core: Core) -> None:
    t = tile(core, np.arange(4 * 8, dtype=np.float32).reshape(4, 8))
    odd = make_view(t.storage, 1, (4, 4), (8, 2))
    np.testing.assert_array_equal(values(odd), np.arange(32).reshape(4, 8)[:, 1::2])
    odd.array[...] = 0
    assert values(t)[:, 1::2].sum() == 0 and values(t)[:, 0::2].sum() > 0


def test_negative_strides(core: Core) -> None:
    t = tile(core, np.arange(16, dtype=np.float32).reshape(2, 8))
    rev = make_view(t.storage, 7, (2, 8), (8, -1))
    np.testing.assert_array_equal(values(rev), np.arange(16).reshape(2, 8)[:, ::-1])


@pytest.mark.parametrize(
    ("offset", "shape", "strides"), [(1, (4, 8), (8, 1)), (-1, (1, 2), (8, 1)), (0, (2, 3), (8, -1))]
)
def test_out_of_bounds_view_is_an_error(
    core: Core, offset: int, shape: tuple[int, int], strides: tuple[int, int]
) -> None:
    t = tile(core, np.zeros((4, 8), np.float32))
    with pytest.raises(OutOfBoundsError, match="reaches element"):
        make_view(t.storage, offset, shape, strides)


def test_partition_striding_is_rejected_on_chip(core: Core) -> None:
    t = tile(core, np.zeros((16, 32), np.float32))
    with pytest.raises(SimulationError, match="no partition striding"):
        make_view(t.storage, 0, (8, 32), (64, 1))


def test_dtype_reinterpretation(core: Core) -> None:
    t = tile(core, np.array([[1.0, 2.0]], np.float32))
    as_bytes = make_view(t.storage, 0, (1, 8), (8, 1), dtype="uint8")
    assert as_bytes.array.tobytes() == np.array([1.0, 2.0], np.float32).tobytes()


@pytest.mark.parametrize(
    ("dtype", "check"), [("float32", np.isnan), ("bfloat16", np.isnan), ("int16", lambda v: v == 4)]
)
def test_fresh_memory_is_visibly_uninitialised(core: Core, dtype: str, check: object) -> None:
    out = fresh(core, (4, 4), "float32")
    run(core, "tensor_copy", dst=out, src=fresh(core, (4, 4), dtype))
    assert np.all(check(values(out)))  # type: ignore[operator]


def test_psum_tracks_matmul_writes(core: Core) -> None:
    p = fresh(core, (2, 2), "float32", "psum")
    assert p.storage.matmul_written is not None and not p.storage.matmul_written.any()


def test_input_arrays_are_updated_in_place() -> None:
    machine = Machine("trn2")
    array = np.zeros((2, 3), np.float32)
    hbm = machine.input("a", array).view()
    src = tile(machine.cores[0], np.ones((2, 3), np.float32))
    run(machine.cores[0], "dma_copy", dst=hbm, src=src)
    np.testing.assert_array_equal(array, 1.0)


def test_machine_validates_configuration() -> None:
    with pytest.raises(ValueError):
        Machine("trn9")
    with pytest.raises(ValueError):
        Machine("trn2", lnc=3)
    assert Machine("trn2", lnc=2).lnc == 2
