"""`sequence_bounds` and `nonzero_with_count` against NumPy references (nki-api.md §4.5)."""

from __future__ import annotations

import numpy as np
import pytest

from nki_sim import Machine, SimulationError
from nki_sim.semantics import execute


def _tile(core, values: np.ndarray, dtype: str, buffer: str = "sbuf"):  # type: ignore[no-untyped-def]
    storage = core.allocate("t", values.shape, dtype, buffer)
    storage.data[...] = values.reshape(-1)
    return storage.view()


def _fresh(core, shape: tuple[int, ...], dtype: str):  # type: ignore[no-untyped-def]
    return core.allocate("o", shape, dtype, "sbuf").view()


def test_sequence_bounds_matches_the_documented_example() -> None:
    core = Machine("trn2").cores[0]
    ids = _tile(core, np.array([[0, 1, 1, 2, 2, 2, 0, 3, 3]], np.float32), "float32")
    dst = _fresh(core, (1, 2, 9), "int32")
    execute(core, "sequence_bounds", dst=dst, segment_ids=ids)
    assert dst.array[0, 0].tolist() == [9, 1, 1, 3, 3, 3, 9, 7, 7]
    assert dst.array[0, 1].tolist() == [-1, 3, 3, 6, 6, 6, -1, 9, 9]


def _nonzero_reference(src: np.ndarray, offset: int, padding: int, before: np.ndarray) -> np.ndarray:
    out = before.copy()
    for p in range(0, src.shape[0], 16):
        found = np.flatnonzero(src[p]) + offset
        out[p] = padding
        out[p, : found.size] = found
        out[p, -1] = found.size
    return out


def test_nonzero_with_count_writes_every_16th_partition_only() -> None:
    core = Machine("trn2").cores[0]
    rng = np.random.default_rng(3)
    values = (rng.random((128, 20)) < 0.3).astype(np.int32) * rng.integers(1, 9, (128, 20)).astype(np.int32)
    src = _tile(core, values, "int32")
    dst = _tile(core, np.full((128, 21), 77, np.int32), "int32")
    execute(core, "nonzero_with_count", dst=dst, src=src, index_offset=5, padding_val=-2)
    expected = _nonzero_reference(values, 5, -2, np.full((128, 21), 77, np.int64))
    assert np.array_equal(dst.array, expected)


def test_nonzero_with_count_needs_trn2_and_one_extra_column() -> None:
    old = Machine("trn1").cores[0]
    src = _tile(old, np.ones((16, 4), np.float32), "float32")
    with pytest.raises(SimulationError, match="needs trn2"):
        execute(old, "nonzero_with_count", dst=_fresh(old, (16, 5), "int32"), src=src)
    core = Machine("trn2").cores[0]
    src = _tile(core, np.ones((16, 4), np.float32), "float32")
    with pytest.raises(SimulationError, match="src free size"):
        execute(core, "nonzero_with_count", dst=_fresh(core, (16, 4), "int32"), src=src)
