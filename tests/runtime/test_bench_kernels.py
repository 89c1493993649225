"""The kernels `bench/sim_bench.py` measures compute what their NumPy formulas compute (small shapes)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import nki
from bench.kernels.matmul import tiled_matmul
from bench.kernels.repeated_add import repeated_add
from bench.kernels.rmsnorm import rmsnorm
from bench.kernels.softmax import row_softmax

RNG = np.random.default_rng(11)


def bf16(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(ml_dtypes.bfloat16)


@pytest.mark.parametrize(("k", "m", "n"), [(128, 128, 512), (256, 256, 1024)])
def test_tiled_matmul_matches_numpy(k: int, m: int, n: int) -> None:
    a_t, b = bf16(k, m), bf16(k, n)
    out = nki.simulate(tiled_matmul)(a_t, b)
    assert out.shape == (m, n) and out.dtype == np.float32
    np.testing.assert_allclose(out, a_t.astype(np.float32).T @ b.astype(np.float32), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("rows", "cols"), [(128, 64), (256, 512)])
def test_row_softmax_matches_numpy(rows: int, cols: int) -> None:
    x = bf16(rows, cols) * 4
    out = nki.simulate(row_softmax)(x)
    xf = x.astype(np.float32)
    exps = np.exp(xf - xf.max(axis=1, keepdims=True))
    np.testing.assert_allclose(out, exps / exps.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(("rows", "cols", "eps"), [(128, 64, 1e-6), (256, 512, 0.5)])
def test_rmsnorm_matches_numpy(rows: int, cols: int, eps: float) -> None:
    x = bf16(rows, cols)
    out = nki.simulate(rmsnorm)(x, eps)
    xf = x.astype(np.float32)
    expected = xf / np.sqrt((xf * xf).mean(axis=1, keepdims=True) + eps)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_repeated_add_matches_numpy() -> None:
    a, b = (RNG.standard_normal((128, 512)).astype(np.float32) for _ in range(2))
    assert np.array_equal(nki.simulate(repeated_add)(a, b, 3), a + b)
