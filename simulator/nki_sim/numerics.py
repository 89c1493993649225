"""Element types and the numerics of the engines (nki-api.md §1.4, §2.2 item 8, §4.0).

Engines read their inputs as fp32, compute in fp32 and round once when they write the destination:
- floating destinations round to nearest even through `ml_dtypes` (bf16, fp16, fp8) or by dropping mantissa
  bits (tf32). FP8 conversions do *not* saturate, exactly like `ml_dtypes` (and the reference simulator that
  uses it): a finite value beyond the largest normal becomes inf for `float8_e4m3`/`float8_e5m2` and NaN for
  `float8_e4m3fn`, which has no infinity;
- integer destinations round to nearest even and saturate to the destination range; NaN becomes 0
  (nki-api.md §1.4, "0.6 fix");
- `bool` destinations store 1 for every non-zero value.
MX `_x4` types are stored as raw packed bits (uint32 for fp8 x4, uint16 for fp4 x4): value q of a packed
element lives in byte (fp8) or nibble (fp4) q, counted from the least significant end.

`NKI_PRECISE_FP=0` keeps every non-MX floating type in fp32 storage (no rounding on write), as documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import ml_dtypes
import numpy as np

__all__ = [
    "Numeric", "NUMERICS", "numeric", "precise_from_env", "storage_dtype", "fill_value",
    "to_fp32", "cast", "is_float", "is_integer", "is_mx", "pack_x4", "unpack_x4", "round_tf32",
]  # fmt: skip

#: The sentinel written into fresh integer memory (reference simulator: 4) so uninitialised reads show.
INT_SENTINEL = 4


@dataclass(frozen=True)
class Numeric:
    """How one NKI dtype is stored and converted."""

    name: str
    storage: np.dtype  # storage with NKI_PRECISE_FP=1
    kind: str  # "bool" | "int" | "uint" | "float" | "mx"
    element: np.dtype | None = None  # for MX x4 types: the dtype of each packed value
    low_precision: bool = False  # stored as fp32 when NKI_PRECISE_FP=0


def _n(name: str, storage: object, kind: str, **extra: object) -> Numeric:
    return Numeric(name, np.dtype(storage), kind, **extra)  # type: ignore[arg-type, call-overload]


NUMERICS: dict[str, Numeric] = {
    n.name: n
    for n in (
        _n("bool", np.uint8, "bool"),
        _n("int8", np.int8, "int"), _n("int16", np.int16, "int"), _n("int32", np.int32, "int"),
        _n("uint8", np.uint8, "uint"), _n("uint16", np.uint16, "uint"), _n("uint32", np.uint32, "uint"),
        _n("float32", np.float32, "float"),
        _n("tfloat32", np.float32, "float", low_precision=True),
        _n("float16", np.float16, "float", low_precision=True),
        _n("bfloat16", ml_dtypes.bfloat16, "float", low_precision=True),
        _n("float8_e4m3", ml_dtypes.float8_e4m3, "float", low_precision=True),
        _n("float8_e4m3fn", ml_dtypes.float8_e4m3fn, "float", low_precision=True),
        _n("float8_e5m2", ml_dtypes.float8_e5m2, "float", low_precision=True),
        _n("float8_e8m0fnu", ml_dtypes.float8_e8m0fnu, "float"),
        _n("float8_e5m2_x4", np.uint32, "mx", element=np.dtype(ml_dtypes.float8_e5m2)),
        _n("float8_e4m3fn_x4", np.uint32, "mx", element=np.dtype(ml_dtypes.float8_e4m3fn)),
        _n("float4_e2m1fn_x4", np.uint16, "mx", element=np.dtype(ml_dtypes.float4_e2m1fn)),
    )
}  # fmt: skip

_ALIASES = {"bool_": "bool", "fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def numeric(dtype: object) -> Numeric:
    """The `Numeric` of an NKI dtype given by name, `nl.*` constant or NumPy/ml_dtypes dtype."""
    name = str(getattr(dtype, "name", dtype))
    name = _ALIASES.get(name, name)
    try:
        return NUMERICS[name]
    except KeyError:
        raise ValueError(f"unsupported NKI dtype {name!r}") from None


def precise_from_env() -> bool:
    """`NKI_PRECISE_FP` (default 1): False only when set to 0/false/off."""
    return os.environ.get("NKI_PRECISE_FP", "1").strip().lower() not in ("0", "false", "off", "no")


def storage_dtype(dtype: object, precise: bool = True) -> np.dtype:
    num = numeric(dtype)
    if num.low_precision and not precise:
        return np.dtype(np.float32)
    return num.storage


def is_float(dtype: object) -> bool:
    return numeric(dtype).kind == "float"


def is_integer(dtype: object) -> bool:
    return numeric(dtype).kind in ("int", "uint", "bool")


def is_mx(dtype: object) -> bool:
    return numeric(dtype).kind == "mx"


def fill_value(dtype: object) -> object:
    """What fresh memory of this dtype holds: NaN for floats, `INT_SENTINEL` for integers, NaN bytes for MX."""
    num = numeric(dtype)
    if num.kind == "float":
        return np.nan
    if (
        num.kind == "mx"
        and num.element is not None
        and num.element.itemsize == 1
        and num.name != "float4_e2m1fn_x4"
    ):
        nan_byte = int(np.array(np.nan, np.float32).astype(num.element).view(np.uint8))
        return nan_byte * 0x01010101
    return INT_SENTINEL


def to_fp32(array: np.ndarray, dtype: object) -> np.ndarray:
    """Read values as the engines see them (fp32). MX arrays must be unpacked with `unpack_x4` first."""
    if numeric(dtype).kind == "mx":
        raise ValueError(f"{numeric(dtype).name} values must be unpacked before arithmetic")
    return np.asarray(array).astype(np.float32, copy=False)


def round_tf32(values: np.ndarray) -> np.ndarray:
    """Round fp32 to tf32 precision (10 mantissa bits), nearest even; inf/NaN unchanged."""
    f = np.ascontiguousarray(values, dtype=np.float32)
    bits = f.view(np.uint32)
    rounded = (bits + np.uint32(0x0FFF) + ((bits >> np.uint32(13)) & np.uint32(1))) & np.uint32(0xFFFFE000)
    return np.where(np.isfinite(f), rounded.view(np.float32), f)


def cast(values: np.ndarray | float, storage: np.dtype, dtype: object) -> np.ndarray:
    """Convert engine results to `storage` (the destination array's dtype) for NKI dtype `dtype`."""
    v = np.asarray(values)
    num = numeric(dtype)
    if v.dtype == storage and num.name != "tfloat32":
        return v  # already stored as it must be: no conversion, no copy
    if num.kind == "bool":
        return (v != 0).astype(storage)
    if num.kind in ("int", "uint"):
        return _to_integer(v, storage)
    if num.kind == "mx":
        raise ValueError(f"{num.name} values must be packed with pack_x4")
    v32 = v.astype(np.float32, copy=False)
    if num.name == "tfloat32" and storage == np.float32:
        return round_tf32(v32)
    return v32.astype(storage)


def _to_integer(v: np.ndarray, storage: np.dtype) -> np.ndarray:
    info = np.iinfo(storage)
    if v.dtype.kind in "iub":
        return np.clip(v.astype(np.int64), info.min, info.max).astype(storage)
    f = np.rint(v.astype(np.float64))
    f = np.where(np.isnan(f), 0.0, f)
    return np.clip(f, info.min, info.max).astype(storage)


def unpack_x4(packed: np.ndarray, dtype: object) -> np.ndarray:
    """Unpack an MX x4 array `[..., X]` into fp32 values `[..., 4X]` (value q of element i at 4i+q)."""
    num = numeric(dtype)
    assert num.kind == "mx" and num.element is not None
    raw = np.ascontiguousarray(packed, dtype=num.storage)
    if num.storage.itemsize == 4:
        codes = raw.view(np.uint8).reshape(*raw.shape, 4)
        values = codes.view(num.element)
    else:
        shifts = np.arange(4, dtype=np.uint16) * np.uint16(4)
        codes = ((raw[..., None] >> shifts) & np.uint16(0xF)).astype(np.uint8)
        values = codes.view(num.element)
    return values.astype(np.float32).reshape(*raw.shape[:-1], raw.shape[-1] * 4)


def pack_x4(values: np.ndarray, dtype: object) -> np.ndarray:
    """Round fp32 values `[..., 4X]` to the element type and pack them into `[..., X]` raw x4 words."""
    num = numeric(dtype)
    assert num.kind == "mx" and num.element is not None
    v = np.asarray(values, dtype=np.float32)
    grouped = v.reshape(*v.shape[:-1], v.shape[-1] // 4, 4)
    codes = np.ascontiguousarray(grouped.astype(num.element)).view(np.uint8)
    if num.storage.itemsize == 4:
        return codes.reshape(grouped.shape).copy().view(np.uint32).reshape(grouped.shape[:-1])
    shifts = np.arange(4, dtype=np.uint16) * np.uint16(4)
    nibbles = codes.astype(np.uint16) & np.uint16(0xF)
    return np.bitwise_or.reduce(nibbles << shifts, axis=-1).astype(np.uint16)
