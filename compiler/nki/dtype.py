"""`nki.dtype`: the NKI data types as a module (`import nki.dtype as nt`; `x: nki.dtype = nl.bfloat16`).

The same objects as the dtype constants of `nki.language` (nki-api.md §1.4).
"""

from __future__ import annotations

from nki.language._dtypes import (
    bfloat16,
    bool_,
    float4_e2m1fn_x4,
    float8_e4m3,
    float8_e4m3fn,
    float8_e4m3fn_x4,
    float8_e5m2,
    float8_e5m2_x4,
    float8_e8m0fnu,
    float16,
    float32,
    int8,
    int16,
    int32,
    tfloat32,
    uint8,
    uint16,
    uint32,
)

#: Same as `bool_`.
bool = bool_  # noqa: A001

__all__ = [
    "bool", "bool_", "int8", "uint8", "int16", "uint16", "int32", "uint32",
    "float16", "bfloat16", "tfloat32", "float32",
    "float8_e4m3", "float8_e5m2", "float8_e4m3fn", "float8_e8m0fnu",
    "float8_e5m2_x4", "float8_e4m3fn_x4", "float4_e2m1fn_x4",
]  # fmt: skip
