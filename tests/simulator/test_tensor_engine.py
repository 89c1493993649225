from __future__ import annotations

import warnings

import numpy as np
import pytest

from nki_sim import Machine, SimulationError, SimulationWarning, make_view, numerics
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, rand, run, tile, values


def bf16(x: np.ndarray) -> np.ndarray:
    return x.astype("bfloat16").astype(np.float32)


def test_matmul_is_stationary_transposed_times_moving(core: Core) -> None:
    s, m = rand((128, 64), 1), rand((128, 512), 2)
    dst = fresh(core, (64, 512), "float32", "psum")
    run(core, "nc_matmul", dst=dst, stationary=tile(core, s, "bfloat16"), moving=tile(core, m, "bfloat16"))
    np.testing.assert_allclose(values(dst), bf16(s).T @ bf16(m), rtol=1e-4, atol=1e-4)


def test_psum_accumulates_across_matmuls_with_inferred_flag(core: Core) -> None:
    dst = fresh(core, (16, 32), "float32", "psum")
    total = np.zeros((16, 32), np.float32)
    for k in range(3):
        s, m = rand((128, 16), 10 + k), rand((128, 32), 20 + k)
        run(core, "nc_matmul", dst=dst, stationary=tile(core, s), moving=tile(core, m))
        total += s.T @ m
    np.testing.assert_allclose(values(dst), total, rtol=1e-4, atol=1e-4)


def test_accumulate_false_overwrites_and_true_adds(core: Core) -> None:
    dst = fresh(core, (4, 4), "float32", "psum")
    s, m = tile(core, np.eye(4)), tile(core, np.full((4, 4), 2.0))
    run(core, "nc_matmul", dst=dst, stationary=s, moving=m, accumulate=False)
    run(core, "nc_matmul", dst=dst, stationary=s, moving=m, accumulate=True)
    assert np.all(values(dst) == 4.0)
    run(core, "nc_matmul", dst=dst, stationary=s, moving=m, accumulate=False)
    assert np.all(values(dst) == 2.0)


def test_accumulate_true_on_fresh_psum_warns_and_shows_nan(core: Core) -> None:
    dst = fresh(core, (4, 4), "float32", "psum")
    with pytest.warns(SimulationWarning, match="never written by a matmul"):
        run(
            core,
            "nc_matmul",
            dst=dst,
            stationary=tile(core, np.eye(4)),
            moving=tile(core, np.eye(4)),
            accumulate=True,
        )
    assert np.isnan(values(dst)).all()


def test_inferred_accumulation_is_per_location(core: Core) -> None:
    dst = fresh(core, (4, 8), "float32", "psum")
    left = make_view(dst.storage, 0, (4, 4), (8, 1))
    s, m = tile(core, np.eye(4)), tile(core, np.ones((4, 4)))
    run(core, "nc_matmul", dst=left, stationary=s, moving=m)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(core, "nc_matmul", dst=dst, stationary=s, moving=tile(core, np.ones((4, 8))))
    assert values(dst)[:, :4].tolist() == [[2.0] * 4] * 4 and values(dst)[:, 4:].tolist() == [[1.0] * 4] * 4


def test_bf16_psum_dst_rounds_each_accumulation() -> None:
    core = Machine("trn3").cores[0]
    dst = fresh(core, (1, 1), "bfloat16", "psum")
    s = tile(core, [[1.0]])
    run(core, "nc_matmul", dst=dst, stationary=s, moving=tile(core, [[256.0]]))
    run(core, "nc_matmul", dst=dst, stationary=s, moving=tile(core, [[1.0]]))
    assert values(dst)[0, 0] == 256.0  # 257 is not representable in bf16: rounds to even


def test_double_row(core: Core) -> None:
    s, m = rand((32, 2, 16), 3), rand((32, 2, 8), 4)
    dst = fresh(core, (16, 8), "float32", "psum")
    st, mv = tile(core, s, "float8_e4m3"), tile(core, m, "float8_e5m2")
    run(core, "nc_matmul", dst=dst, stationary=st, moving=mv, perf_mode="double_row")
    np.testing.assert_allclose(
        values(dst), np.einsum("kli,klj->ij", values(st), values(mv)), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize(
    ("target", "kwargs", "rule"),
    [
        ("trn3", {"dst_buffer": "sbuf"}, "matmul dst in PSUM"),
        ("trn2", {"moving_cols": 1024}, "N limit"),
        ("trn2", {"dst_dtype": "bfloat16"}, "matmul dst dtype"),
        ("trn3", {"stationary_dtype": "float32"}, "fp32/tf32 pairing"),
        ("trn1", {"perf_mode": "double_row"}, "arch gating"),
        ("trn3", {"tile_size": (64, 64)}, "both or neither"),
    ],
)
def test_matmul_rules(target: str, kwargs: dict[str, object], rule: str) -> None:
    core = Machine(target).cores[0]
    n = int(kwargs.pop("moving_cols", 32))  # type: ignore[call-overload]
    dst = fresh(core, (16, n), str(kwargs.pop("dst_dtype", "float32")), str(kwargs.pop("dst_buffer", "psum")))
    s = tile(core, rand((64, 16)), str(kwargs.pop("stationary_dtype", "bfloat16")))
    with pytest.raises(SimulationError, match=rule) as err:
        run(core, "nc_matmul", dst=dst, stationary=s, moving=tile(core, rand((64, n)), "bfloat16"), **kwargs)
    assert err.value.opcode == "nc_matmul" and "nc_matmul:" in str(err.value)


def test_column_tiling_limits_m(core: Core) -> None:
    dst = fresh(core, (64, 8), "float32", "psum")
    with pytest.raises(SimulationError, match="column_size"):
        run(core, "nc_matmul", dst=dst, stationary=tile(core, rand((32, 64))), moving=tile(core, rand((32, 8))),
            tile_position=(0, 0), tile_size=(32, 32))  # fmt: skip


@pytest.mark.parametrize(
    ("engine", "shape", "dst_buffer"), [("tensor", (128, 96), "psum"), ("vector", (32, 16), "sbuf")]
)
def test_nc_transpose_is_bit_exact(core: Core, engine: str, shape: tuple[int, int], dst_buffer: str) -> None:
    data = rand(shape, 8)
    data[0, 0] = np.nan
    src = tile(core, data, "bfloat16")
    dst = fresh(core, shape[::-1], "bfloat16", dst_buffer)
    run(core, "nc_transpose", dst=dst, data=src, engine=engine)
    np.testing.assert_array_equal(dst.array.view(np.uint16), src.array.view(np.uint16).T)


def test_trn1_pe_transpose_spreads_nan() -> None:
    core = Machine("trn1").cores[0]
    data = np.ones((4, 4), np.float32)
    data[1, 2] = np.nan
    dst = fresh(core, (4, 4), "float32", "psum")
    run(core, "nc_transpose", dst=dst, data=tile(core, data))
    assert np.isnan(values(dst)[2]).all() and not np.isnan(values(dst)[[0, 1, 3]]).any()


def test_quantize_then_mx_matmul_approximates_the_product(core: Core) -> None:
    K, M, N = 32, 8, 16  # contraction 4*K = 128 values
    a, b = rand((K, 4 * M), 30), rand((K, 4 * N), 31)
    qa, qb = fresh(core, (K, M), "float8_e4m3fn_x4"), fresh(core, (K, N), "float8_e4m3fn_x4")
    sa, sb = fresh(core, (K // 8, M), "float8_e8m0fnu"), fresh(core, (K // 8, N), "float8_e8m0fnu")
    run(core, "quantize_mx", dst=qa, src=tile(core, a, "bfloat16"), dst_scale=sa)
    run(core, "quantize_mx", dst=qb, src=tile(core, b, "bfloat16"), dst_scale=sb)
    dst = fresh(core, (M, N), "float32", "psum")
    run(core, "nc_matmul_mx", dst=dst, stationary=qa, moving=qb, stationary_scale=sa, moving_scale=sb)
    expected = np.einsum("kiq,kjq->ij", a.reshape(K, M, 4), b.reshape(K, N, 4))
    np.testing.assert_allclose(values(dst), expected, atol=0.1 * np.abs(expected).max())


def test_quantize_mx_scale_and_values(core: Core) -> None:
    src = np.zeros((32, 4), np.float32)
    src[:8] = 3.0  # group 0: amax 3 -> scale 2^(1 - 7) for e4m3fn
    src[0, 0] = -448 * 2**-6 * 0.5
    q, scale = fresh(core, (32, 1), "float8_e4m3fn_x4"), fresh(core, (4, 1), "uint8")
    run(core, "quantize_mx", dst=q, src=tile(core, src, "bfloat16"), dst_scale=scale)
    assert scale.array[:, 0].tolist() == [127 - 6, 0, 0, 0]  # all-zero groups -> 2^-127
    np.testing.assert_array_equal(numerics.unpack_x4(q.array, q.dtype)[1], [3.0 * 64] * 4)


def test_mx_needs_trn3() -> None:
    core = Machine("trn2").cores[0]
    with pytest.raises(SimulationError, match="needs trn3"):
        run(
            core,
            "quantize_mx",
            dst=fresh(core, (32, 1), "uint8"),
            src=fresh(core, (32, 4)),
            dst_scale=fresh(core, (4, 1), "uint8"),
        )
