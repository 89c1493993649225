"""`neuron_dtypes`: the Neuron SDK's dtype helpers that nki-library's tests import (not published on PyPI),
implemented over `ml_dtypes`: `static_cast` converts with round-to-nearest-even like the hardware's
writes, `is_float_type` and `finfo` describe a dtype. NKI dtypes (`nl.bfloat16`, the names) are accepted.
The packed MX `_x4` types are only named: converting to or from them is not supported here."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

float8_e4m3fn_x4 = "float8_e4m3fn_x4"
float8_e5m2_x4 = "float8_e5m2_x4"
float4_e2m1fn_x4 = "float4_e2m1fn_x4"
_PACKED = {float8_e4m3fn_x4, float8_e5m2_x4, float4_e2m1fn_x4}
_BY_NAME = {"float8_e4m3": ml_dtypes.float8_e4m3, "tfloat32": np.float32}


def to_numpy_dtype(dtype: Any) -> np.dtype[Any]:
    name = str(getattr(dtype, "name", dtype)) if not isinstance(dtype, (type, np.dtype)) else None
    if name in _PACKED:
        raise NotImplementedError(f"static_cast to or from the packed MX type {name} is not supported")
    if name is not None:
        return np.dtype(_BY_NAME.get(name, name))
    return np.dtype(dtype)


def static_cast(array: Any, dtype: Any) -> np.ndarray:
    """`array` converted to `dtype` (round to nearest even for floats; integers wrap like C)."""
    return np.asarray(array).astype(to_numpy_dtype(dtype))


def is_float_type(dtype: Any) -> bool:
    target = to_numpy_dtype(dtype)
    return bool(np.issubdtype(target, np.floating) or target.kind == "V" or _is_ml_float(target))


def _is_ml_float(dtype: np.dtype[Any]) -> bool:
    try:
        ml_dtypes.finfo(dtype)
    except ValueError:
        return False
    return True


def finfo(dtype: Any) -> Any:
    return ml_dtypes.finfo(to_numpy_dtype(dtype))
