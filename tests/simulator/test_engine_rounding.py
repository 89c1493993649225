"""Engines compute in fp32 and round once on write (nki-api.md §4.0): every low-precision destination of an
arithmetic instruction holds exactly the round-to-nearest-even of the fp32 result (ml_dtypes), including
ties and values beyond the fp8 range (no saturation)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from nki_sim import Machine
from tests.simulator.conftest import fresh, run, tile, values

DTYPES = {"bfloat16": ml_dtypes.bfloat16, "float16": np.float16, "float8_e4m3": ml_dtypes.float8_e4m3,
          "float8_e5m2": ml_dtypes.float8_e5m2, "float8_e4m3fn": ml_dtypes.float8_e4m3fn}  # fmt: skip


def _operands() -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(7)
    a = (r.standard_normal((64, 96)) * np.exp2(r.integers(-12, 12, (64, 96)))).astype(np.float32)
    b = r.standard_normal((64, 96)).astype(np.float32)
    return a, b


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_tensor_tensor_output_is_the_rounded_fp32_result(dtype: str) -> None:
    core = Machine("trn2").cores[0]
    a, b = _operands()
    dst = fresh(core, a.shape, dtype)
    run(core, "tensor_tensor", dst=dst, data1=tile(core, a), data2=tile(core, b), op="multiply")
    expected = (a * b).astype(DTYPES[dtype]).astype(np.float32)
    np.testing.assert_array_equal(values(dst), expected)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_activation_output_is_the_rounded_fp32_result(dtype: str) -> None:
    core = Machine("trn2").cores[0]
    a, _ = _operands()
    dst = fresh(core, a.shape, dtype)
    run(core, "activation", dst=dst, op="copy", data=tile(core, a), scale=0.75)
    expected = (a * np.float32(0.75)).astype(DTYPES[dtype]).astype(np.float32)
    np.testing.assert_allclose(values(dst), expected, rtol=0, atol=0)


def test_bf16_ties_round_to_even_on_write() -> None:
    core = Machine("trn2").cores[0]
    ones = np.ones((1, 4), np.float32)
    # 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even mantissa (1).
    halfway = np.array([[2.0**-8, 3 * 2.0**-8, 2.0**-9, 5 * 2.0**-8]], np.float32)
    dst = fresh(core, (1, 4), "bfloat16")
    run(core, "tensor_tensor", dst=dst, data1=tile(core, ones), data2=tile(core, halfway), op="add")
    assert values(dst)[0].tolist() == [1.0, 1.0 + 2.0**-6, 1.0, 1.0 + 2.0**-6]
