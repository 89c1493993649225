from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from nki_sim import numerics


def test_bf16_rounds_to_nearest_even() -> None:
    # 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0)
    halfway = np.array([1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20], np.float32)
    out = numerics.cast(halfway, numerics.storage_dtype("bfloat16"), "bfloat16").astype(np.float32)
    assert out.tolist() == [1.0, 1 + 2**-6, 1 + 2**-7]


@pytest.mark.parametrize(
    ("dtype", "overflow"),
    [("float8_e4m3", np.inf), ("float8_e5m2", np.inf), ("float8_e4m3fn", np.nan)],
)
def test_fp8_does_not_saturate(dtype: str, overflow: float) -> None:
    out = numerics.cast(np.array([1e6, 1.0625], np.float32), numerics.storage_dtype(dtype), dtype).astype(
        np.float32
    )
    np.testing.assert_equal(out[0], overflow)
    assert out[1] == 1.0  # 1.0625 is halfway between 1 and 1.125 for e4m3/e4m3fn, and below 1.25 for e5m2


@pytest.mark.parametrize(
    ("dtype", "inputs", "expected"),
    [
        ("int8", [1.5, 2.5, -2.5, 300.0, -300.0, np.nan], [2, 2, -2, 127, -128, 0]),
        ("uint8", [-1.0, 255.4, 255.6, 1e9], [0, 255, 255, 255]),
        ("int32", [3e9, -3e9, 0.5], [2**31 - 1, -(2**31), 0]),
        ("bool", [0.0, 2.0, -1.0], [0, 1, 1]),
    ],
)
def test_integer_destinations_round_and_saturate(
    dtype: str, inputs: list[float], expected: list[int]
) -> None:
    out = numerics.cast(np.array(inputs, np.float32), numerics.storage_dtype(dtype), dtype)
    assert out.tolist() == expected


def test_tf32_keeps_ten_mantissa_bits() -> None:
    x = np.array([1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-12], np.float32)
    assert numerics.round_tf32(x).tolist() == [1.0, 1 + 2**-9, 1.0]


def test_imprecise_mode_keeps_fp32() -> None:
    assert numerics.storage_dtype("bfloat16", precise=False) == np.float32
    assert numerics.storage_dtype("bfloat16", precise=True) == np.dtype(ml_dtypes.bfloat16)
    assert numerics.storage_dtype("int8", precise=False) == np.int8


def test_precise_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NKI_PRECISE_FP", "0")
    assert numerics.precise_from_env() is False
    monkeypatch.delenv("NKI_PRECISE_FP")
    assert numerics.precise_from_env() is True


@pytest.mark.parametrize("dtype", ["float8_e4m3fn_x4", "float8_e5m2_x4", "float4_e2m1fn_x4"])
def test_mx_pack_roundtrip(dtype: str) -> None:
    v = np.array([[1.0, -2.0, 0.5, 3.0, 0.0, -1.5, 4.0, 6.0]], np.float32)
    packed = numerics.pack_x4(v, dtype)
    assert packed.shape == (1, 2) and packed.dtype == numerics.storage_dtype(dtype)
    np.testing.assert_array_equal(numerics.unpack_x4(packed, dtype), v)


def test_fill_values_make_uninitialised_memory_visible() -> None:
    assert np.isnan(numerics.fill_value("bfloat16"))
    assert numerics.fill_value("int32") == numerics.INT_SENTINEL
    assert numerics.fill_value("float8_e4m3fn_x4") == 0x7F7F7F7F


def test_unknown_dtype() -> None:
    with pytest.raises(ValueError, match="unsupported NKI dtype"):
        numerics.numeric("float64")
