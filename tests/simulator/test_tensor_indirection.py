"""Tensor indirection (`t.indirect(index, num_elem)`, nki-api.md §3.10) and `rearrange` views through the
whole pipeline (specializer -> IR -> simulator) against NumPy: gathers as inputs, scatters as `dst`, the
snake order of the offsets for both group sizes (16 on Vector/Scalar/GpSimd, 32 on the Tensor engine) and
views that start at a partition offset or stride their free dims."""

from __future__ import annotations

from collections.abc import Iterator

import ml_dtypes
import numpy as np
import pytest

import nki
import nki_sim
from tests.simulator import ti_kernels as k

RNG = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _trn3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn3")
    yield


def snake(index: np.ndarray, count: int, group: int) -> np.ndarray:
    """Offset `i` at `index[i % G, i // G]`; past `G * K` offsets, the next `G` partitions (reference)."""
    columns = index.shape[1]
    found = []
    for i in range(count):
        block, within = divmod(i, group * columns)
        found.append(index[block * group + within % group, within // group])
    return np.array(found, dtype=np.int64)


def _index(partitions: int, columns: int, high: int) -> np.ndarray:
    return RNG.integers(0, high, (partitions, columns)).astype(np.int32)


def test_snake_order_reads_columns_of_sixteen_partitions() -> None:
    a = RNG.standard_normal((16, 64)).astype(np.float32)
    index = _index(16, 4, 64)
    got = nki.simulate(k.gather_copy)(a, index, 64)
    assert np.array_equal(got, a[:, [index[i % 16, i // 16] for i in range(64)]])


@pytest.mark.parametrize("count", [1, 20, 32, 256])
def test_gather_on_128_partitions_continues_with_the_next_group(count: int) -> None:
    a = RNG.standard_normal((128, 96)).astype(np.float32)
    index = _index(128, 2, 96)
    got = nki.simulate(k.gather_copy)(a, index, count)
    assert np.array_equal(got, a[:, snake(index, count, 16)])


@pytest.mark.parametrize("start", [0, 32, 64])
def test_gather_from_a_partition_offset(start: int) -> None:
    a = RNG.standard_normal((128, 40)).astype(np.float32)
    index = _index(32, 2, 40)
    got = nki.simulate(k.gather_partitions)(a, index, start, 48)
    assert np.array_equal(got, a[start : start + 32][:, snake(index, 48, 16)])


def test_offsets_index_the_flattened_free_dims_of_a_strided_view() -> None:
    a = RNG.standard_normal((16, 5, 8)).astype(np.float32)
    index = _index(16, 2, 16)
    got = nki.simulate(k.gather_strided)(a, index, 32)
    view = a[:, 1:, ::2].reshape(16, -1)
    assert np.array_equal(got, view[:, snake(index, 32, 16)])


def test_scatter_writes_the_indexed_columns_only() -> None:
    a = RNG.standard_normal((16, 64)).astype(np.float32)
    columns = RNG.permutation(64)[:32]
    index = np.zeros((16, 2), np.int32)
    for i, column in enumerate(columns):
        index[i % 16, i // 16] = column
    values = RNG.standard_normal((16, 32)).astype(np.float32)
    expected = a.copy()
    expected[:, columns] = values
    assert np.array_equal(nki.simulate(k.scatter_copy)(a, index, values), expected)


def test_gathered_data1_of_tensor_tensor() -> None:
    a = RNG.standard_normal((32, 50)).astype(np.float32)
    b = RNG.standard_normal((32, 24)).astype(np.float32)
    index = _index(32, 2, 50)
    got = nki.simulate(k.gather_add)(a, index, b)
    assert np.allclose(got, a[:, snake(index, 24, 16)] + b)


def test_scattered_dst_of_activation() -> None:
    a = RNG.standard_normal((16, 40)).astype(np.float32)
    columns = RNG.permutation(40)[:16]
    index = columns.reshape(16, 1).astype(np.int32)  # offset i at [i % 16, 0]
    b = RNG.standard_normal((16, 16)).astype(np.float32)
    expected = a.copy()
    expected[:, columns] = np.exp(b)
    assert np.allclose(nki.simulate(k.scatter_exp)(a, index, b), expected, rtol=1e-3, atol=1e-3)


def test_tensor_engine_reads_offsets_in_groups_of_32() -> None:
    stationary = RNG.standard_normal((32, 80)).astype(ml_dtypes.bfloat16)
    moving = RNG.standard_normal((32, 48)).astype(ml_dtypes.bfloat16)
    index = _index(32, 2, 80)
    got = nki.simulate(k.gather_matmul)(stationary, index, moving, 64)
    chosen = stationary.astype(np.float32)[:, [index[i % 32, i // 32] for i in range(64)]]
    assert np.allclose(got, chosen.T @ moving.astype(np.float32), rtol=1e-2, atol=1e-2)


def test_offset_outside_the_view_is_an_out_of_bounds_error() -> None:
    a = RNG.standard_normal((16, 8)).astype(np.float32)
    index = np.full((16, 1), 8, np.int32)
    with pytest.raises(nki_sim.SimulationError, match="outside the 8 free elements"):
        nki.simulate(k.gather_copy)(a, index, 4)


def test_fewer_index_partitions_than_the_group_is_a_runtime_error() -> None:
    a = RNG.standard_normal((8, 16)).astype(np.float32)
    index = _index(8, 4, 16)
    with pytest.raises(nki_sim.SimulationError, match="read from index partition 8"):
        nki.simulate(k.gather_copy)(a, index, 9)
    assert np.array_equal(nki.simulate(k.gather_copy)(a, index, 8), a[:, index[:, 0]])


def test_rearranged_view_moves_the_elements_like_numpy() -> None:
    a = RNG.standard_normal((128, 24)).astype(np.float32)
    got = nki.simulate(k.rearranged_copy)(a)
    assert np.array_equal(got, a.reshape(128, 4, 6).transpose(0, 2, 1))


def test_rearranged_hbm_view_splits_and_permutes() -> None:
    h = RNG.standard_normal((3, 8, 10)).astype(np.float32)
    got = nki.simulate(k.rearranged_load)(h)
    assert np.array_equal(got, h.reshape(3, 8, 5, 2).transpose(1, 3, 0, 2))
