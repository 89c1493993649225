"""`rng`, `set_rng_seed`, `rand_set_state`/`rand_get_state`, `rand2`, `dropout` (nki-api.md §4.5: a documented
XORWOW, not the hardware's bit stream) and `topk` (§4.3) against NumPy references."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from nki_compiler.ir.opcodes import Opcode
from nki_sim import SEMANTICS, Machine, SimulationError
from nki_sim.machine import Core
from nki_sim.semantics.random_numbers import xorwow
from tests.simulator.conftest import fresh, run, tile, values

#: Opcodes the run loop executes itself (control flow, registers, LNC rendezvous, allocation).
_RUN_LOOP = {"alloc", "fori_loop", "while_loop", "sendrecv", "core_barrier", "register_alloc", "register_move",
             "register_load", "register_store", "device_print"}  # fmt: skip


def test_every_ir_instruction_has_semantics() -> None:
    assert sorted(o.value for o in Opcode if o.value not in SEMANTICS and o.value not in _RUN_LOOP) == []


def _reference_xorwow(words: list[int], steps: int) -> list[int]:
    """Marsaglia's XORWOW in plain Python integers."""
    x, y, z, w, v, d = words
    out, mask = [], 0xFFFFFFFF
    for _ in range(steps):
        t = x ^ (x >> 2)
        x, y, z, w = y, z, w, v
        v = (v ^ (v << 4) ^ t ^ (t << 1)) & mask
        d = (d + 362437) & mask
        out.append((v + d) & mask)
    return out


def test_xorwow_matches_the_published_recurrence() -> None:
    words = [123456789, 362436069, 521288629, 88675123, 5783321, 6615241]
    state = np.array([words], np.uint32)
    assert xorwow(state, 50)[0].tolist() == _reference_xorwow(words, 50)


def _state_tile(core: Core, words: np.ndarray):  # type: ignore[no-untyped-def]
    return tile(core, words.astype(np.float64), "uint32")


@pytest.mark.parametrize(("engine", "substates"), [("gpsimd", 1), ("vector", 4)])
def test_rng_draws_the_loaded_state_lane_by_lane(engine: str, substates: int) -> None:
    core = Machine("trn3").cores[0]
    words = np.random.default_rng(1).integers(1, 2**31, (4, 6 * substates))
    run(core, "rand_set_state", src_seeds=_state_tile(core, words), engine=engine)
    dst = fresh(core, (4, 8), "uint32")
    run(core, "rng", dst=dst, engine=engine)
    for lane in range(4):
        streams = [_reference_xorwow(words[lane, 6 * s : 6 * s + 6].tolist(), 8) for s in range(substates)]
        expected = [streams[j % substates][j // substates] for j in range(8)]
        assert dst.array[lane].tolist() == expected
    state = fresh(core, (4, 6 * substates), "uint32")
    run(core, "rand_get_state", dst=state, engine=engine)
    assert not np.array_equal(state.array.astype(np.int64), words)  # the draws advanced the state


def test_rng_truncates_to_the_destination_width() -> None:
    core = Machine("trn3").cores[0]
    words = np.full((2, 6), 7)
    run(core, "rand_set_state", src_seeds=_state_tile(core, words), engine="gpsimd")
    dst = fresh(core, (2, 3), "uint8")
    run(core, "rng", dst=dst, engine="gpsimd")
    assert dst.array[0].tolist() == [b & 0xFF for b in _reference_xorwow([7] * 6, 3)]


def test_rng_is_deterministic_per_seed_and_core() -> None:
    def draws(seed: int, core_index: int = 0) -> np.ndarray:
        core = Machine("trn2", lnc=2, seed=seed).cores[core_index]
        dst = fresh(core, (8, 16), "int32")
        run(core, "rng", dst=dst)
        return dst.array.copy()

    assert np.array_equal(draws(3), draws(3))
    assert not np.array_equal(draws(3), draws(4))
    assert not np.array_equal(draws(3, 0), draws(3, 1))


def test_set_rng_seed_makes_the_vector_stream_a_function_of_the_seed() -> None:
    def after_seed(seed: int, machine_seed: int) -> np.ndarray:
        core = Machine("trn2", seed=machine_seed).cores[0]
        run(core, "set_rng_seed", src_seeds=tile(core, [[seed]], "int32"))
        dst = fresh(core, (4, 8), "uint32")
        run(core, "rng", dst=dst)
        return dst.array.copy()

    assert np.array_equal(after_seed(42, 0), after_seed(42, 9))
    assert not np.array_equal(after_seed(42, 0), after_seed(43, 0))


def test_rand2_is_uniform_in_range_and_rounded() -> None:
    core = Machine("trn3").cores[0]
    dst = fresh(core, (128, 512), "float32")
    run(core, "rand2", dst=dst, min=-2.0, max=3.0)
    got = values(dst)
    assert got.min() >= -2.0 and got.max() <= 3.0
    assert abs(got.mean() - 0.5) < 0.05 and abs(got.std() - 5 / np.sqrt(12)) < 0.05
    per_lane = tile(core, np.arange(4, dtype=np.float32).reshape(4, 1))
    bf16 = fresh(core, (4, 64), "bfloat16")
    run(core, "rand2", dst=bf16, min=per_lane, max=10.0)
    got = values(bf16)
    assert np.all(got >= np.arange(4).reshape(4, 1)) and got.max() <= 10.0
    assert np.array_equal(got, got.astype(ml_dtypes.bfloat16).astype(np.float32))


def test_rand2_validates_target_and_bounds(core: Core) -> None:
    with pytest.raises(SimulationError, match="min must be less than max"):
        run(core, "rand2", dst=fresh(core, (2, 2)), min=1.0, max=1.0)
    old = Machine("trn2").cores[0]
    with pytest.raises(SimulationError, match="trn3"):
        run(old, "rand2", dst=fresh(old, (2, 2)), min=0.0, max=1.0)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int32"])
def test_dropout_keeps_values_or_zeroes_them_at_the_rate(dtype: str) -> None:
    core = Machine("trn2").cores[0]
    data_values = np.arange(1, 128 * 256 + 1).reshape(128, 256) % 97 + 1
    data = tile(core, data_values, dtype)
    dst = fresh(core, (128, 256), dtype)
    run(core, "dropout", dst=dst, data=data, prob=0.3)
    got, original = values(dst), values(data)
    kept = got != 0
    assert np.array_equal(got[kept], original[kept])
    assert abs((~kept).mean() - 0.3) < 0.02


def test_dropout_extremes_and_per_partition_rates(core: Core) -> None:
    data = tile(core, np.ones((4, 1000), np.float32))
    for rate, expected in ((1.0, 0.0), (0.0, 1.0)):
        dst = fresh(core, (4, 1000))
        run(core, "dropout", dst=dst, data=data, prob=rate)
        assert np.all(values(dst) == expected)
    rates = tile(core, np.array([[0.0], [1.0], [0.5], [0.9]], np.float32))
    dst = fresh(core, (4, 1000))
    run(core, "dropout", dst=dst, data=data, prob=rates)
    dropped = (values(dst) == 0).mean(axis=1)
    assert (
        dropped[0] == 0 and dropped[1] == 1 and abs(dropped[2] - 0.5) < 0.06 and abs(dropped[3] - 0.9) < 0.04
    )


def test_dropout_requires_equal_dtypes(core: Core) -> None:
    with pytest.raises(SimulationError, match="dst dtype"):
        run(core, "dropout", dst=fresh(core, (2, 2), "bfloat16"), data=fresh(core, (2, 2)), prob=0.5)


def _topk_reference(src: np.ndarray, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    vals, idxs = [], []
    for group in range(0, src.shape[0], 16):
        snake = src[group : group + 16].T.reshape(-1)[:n]
        order = np.argsort(-snake, kind="stable")[:k][::-1]
        vals += [snake[order]] * 16
        idxs += [order] * 16
    return np.array(vals), np.array(idxs)


@pytest.mark.parametrize(
    ("partitions", "columns", "n", "k"), [(16, 8, 128, 8), (32, 20, 300, 17), (16, 4, 50, 50)]
)
def test_topk_matches_argsort_over_the_16_partition_snake(
    partitions: int, columns: int, n: int, k: int
) -> None:
    core = Machine("trn2").cores[0]
    src_values = np.random.default_rng(k).standard_normal((partitions, columns)).astype(ml_dtypes.bfloat16)
    src = tile(core, src_values.astype(np.float32), "bfloat16")
    val_dst, idx_dst = fresh(core, (partitions, k), "bfloat16"), fresh(core, (partitions, k), "uint32")
    run(core, "topk", val_dst=val_dst, idx_dst=idx_dst, src=src, n=n)
    expected_values, expected_indices = _topk_reference(src_values.astype(np.float32), n, k)
    assert np.array_equal(values(val_dst), expected_values)
    assert np.array_equal(idx_dst.array.astype(np.int64), expected_indices)
    assert np.all(np.diff(values(val_dst), axis=1) >= 0)  # ascending


def test_topk_ties_prefer_lower_indices_which_come_last(core: Core) -> None:
    src = tile(core, np.ones((16, 1), np.float32) * np.array([5, 5, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
               .reshape(16, 1), "bfloat16")  # fmt: skip
    val_dst, idx_dst = fresh(core, (16, 2), "bfloat16"), fresh(core, (16, 2), "uint32")
    run(core, "topk", val_dst=val_dst, idx_dst=idx_dst, src=src, n=16)
    assert idx_dst.array[0].tolist() == [1, 0] and values(val_dst)[0].tolist() == [5, 5]


def test_topk_validates_its_operands(core: Core) -> None:
    src = tile(core, np.zeros((16, 4), np.float32), "bfloat16")
    with pytest.raises(SimulationError, match="K = 9"):
        run(core, "topk", val_dst=fresh(core, (16, 9), "bfloat16"), idx_dst=fresh(core, (16, 9), "uint32"),
            src=src, n=8)  # fmt: skip
    with pytest.raises(SimulationError, match="columns"):
        run(core, "topk", val_dst=fresh(core, (16, 2), "bfloat16"), idx_dst=fresh(core, (16, 2), "uint32"),
            src=src, n=100)  # fmt: skip
    with pytest.raises(SimulationError, match="uint32"):
        run(core, "topk", val_dst=fresh(core, (16, 2), "bfloat16"), idx_dst=fresh(core, (16, 2), "int32"),
            src=src, n=8)  # fmt: skip
