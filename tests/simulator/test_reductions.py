from __future__ import annotations

import numpy as np
import pytest

from nki_sim import SimulationError
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, rand, run, tile, values

X = rand((8, 4, 16), 1)


@pytest.mark.parametrize(
    ("op", "fn"), [("add", np.sum), ("maximum", np.max), ("minimum", np.min), ("multiply", np.prod)]
)
@pytest.mark.parametrize("axis", [(2,), (1, 2)])
def test_tensor_reduce(core: Core, op: str, fn: object, axis: tuple[int, ...]) -> None:
    expected = fn(X, axis=axis)  # type: ignore[operator]
    out = fresh(core, expected.shape if expected.ndim > 1 else (8, 1))
    run(core, "tensor_reduce", dst=out, op=op, data=tile(core, X), axis=axis, negate=True)
    np.testing.assert_allclose(values(out).reshape(expected.shape), -expected, rtol=1e-5)


def test_tensor_reduce_axis_rules(core: Core) -> None:
    with pytest.raises(SimulationError, match="trailing free axes"):
        run(core, "tensor_reduce", dst=fresh(core, (8, 16)), op="add", data=tile(core, X), axis=1)
    with pytest.raises(SimulationError, match="legal reduction ops"):
        run(core, "tensor_reduce", dst=fresh(core, (8, 4)), op="power", data=tile(core, X), axis=2)


def test_tensor_reduce_bitvec(core: Core) -> None:
    data = np.array([[1, 2, 4], [3, 5, 6]], np.int32)
    out = fresh(core, (2, 1), "int32")
    run(core, "tensor_reduce", dst=out, op="bitwise_or", data=tile(core, data, "int32"), axis=1)
    assert out.array[:, 0].tolist() == [7, 7]


@pytest.mark.parametrize(("op", "fn"), [("add", np.sum), ("maximum", np.max), ("average", np.mean)])
def test_tensor_partition_reduce(core: Core, op: str, fn: object) -> None:
    data = rand((128, 8, 4), 2)
    out = fresh(core, (1, 8, 4))
    run(core, "tensor_partition_reduce", dst=out, op=op, data=tile(core, data))
    np.testing.assert_allclose(values(out)[0], fn(data, axis=0), rtol=1e-5, atol=1e-6)  # type: ignore[operator]


def test_bn_stats_then_bn_aggr_equals_numpy_mean_and_var(core: Core) -> None:
    data = rand((16, 1024), 3)
    stats = fresh(core, (16, 12))
    for half in range(2):
        part = tile(core, data[:, half * 512 : (half + 1) * 512])
        from nki_sim import make_view

        run(core, "bn_stats", dst=make_view(stats.storage, half * 6, (16, 6), (12, 1)), data=part)
    out = fresh(core, (16, 2))
    run(core, "bn_aggr", dst=out, data=stats)
    np.testing.assert_allclose(values(out)[:, 0], data.mean(axis=1), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(values(out)[:, 1], data.var(axis=1), rtol=1e-4)


def test_bn_stats_free_limit(core: Core) -> None:
    with pytest.raises(SimulationError, match="bn_stats_fmax"):
        run(core, "bn_stats", dst=fresh(core, (2, 6)), data=tile(core, np.ones((2, 513))))


def test_max8(core: Core) -> None:
    data = rand((4, 100), 4)
    out = fresh(core, (4, 8))
    run(core, "max8", dst=out, src=tile(core, data))
    np.testing.assert_array_equal(values(out), -np.sort(-data, axis=1)[:, :8])


def test_find_index8_with_duplicates_and_missing(core: Core) -> None:
    data = tile(core, [[1, 2, 3, 4, 8, 8, 8, 8, 8, 8, 8]])
    out = fresh(core, (1, 8), "uint32")
    run(core, "nc_find_index8", dst=out, data=data, vals=tile(core, [[3, 8, 8, 99, 1, 2, 4, 8]]))
    assert out.array.tolist() == [[2, 4, 5, 0xFFFFFFFF, 0, 1, 3, 6]]


def test_match_replace8_documented_example(core: Core) -> None:
    data = tile(core, [[1, 2, 3, 4, 8, 8, 8, 8, 8, 8, 8]])
    dst, idx = fresh(core, (1, 11)), fresh(core, (1, 8), "uint32")
    run(core, "nc_match_replace8", dst=dst, data=data, vals=tile(core, [[3, 8, 8, 8, 8, 8, 8, 8]]), imm=-1.0,
        dst_idx=idx)  # fmt: skip
    assert idx.array.tolist() == [[2, 10, 9, 8, 7, 6, 5, 4]]
    assert values(dst).tolist() == [[1, 2, -1, 4, -1, -1, -1, -1, -1, -1, -1]]
