"""MX numerics conformance: the aws-neuron-sdk mxfp-matmul deep-dive kernels (`mx_kernels.py`, trn3) run through
`nki.cpu_simulate` against the deep dive's own NumPy goldens (`mx_cpu_utils.py`: `quantize_mx_golden`,
`nc_matmul_mx_golden`), with the inputs and tolerance (5e-2) of its driver `mx_toplevel.py`, whose torch/XLA
device code is not used. fp4 (`float4_e2m1fn`) cases need the fp4 dtype of ml_dtypes and run when present.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import ml_dtypes
import numpy as np
import pytest

import nki
import nki.language as nl
from tests.conformance.harness import CaseSkipped, Comparison, RunnableCase, assert_case

pytestmark = pytest.mark.corpus

DEEP_DIVE = "aws-neuron-sdk/nki/deep-dives/src/mxfp-matmul"
TOLERANCE = 5e-2  # mx_toplevel.compare_and_print_results
QUANTIZED = {"fp8_e4m3fn": ml_dtypes.float8_e4m3fn, "fp8_e5m2": ml_dtypes.float8_e5m2}
X4 = {ml_dtypes.float8_e4m3fn: nl.float8_e4m3fn_x4, ml_dtypes.float8_e5m2: nl.float8_e5m2_x4}
if hasattr(ml_dtypes, "float4_e2m1fn"):
    QUANTIZED["fp4_e2m1fn"] = ml_dtypes.float4_e2m1fn
    X4[ml_dtypes.float4_e2m1fn] = nl.float4_e2m1fn_x4


ROW = f"{DEEP_DIVE}/mx_kernels.py"
_MODULES = ("mx_cpu_utils", "mx_kernels", "mx_kernel_utils")


@contextlib.contextmanager
def _deep_dive(corpus: Path) -> Iterator[tuple[ModuleType, ModuleType]]:
    folder = corpus / DEEP_DIVE
    if not (folder / "mx_kernels.py").is_file():
        raise CaseSkipped(f"{DEEP_DIVE} is not in this corpus")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.syspath_prepend(str(folder))
        monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn3")
        for name in _MODULES:
            sys.modules.pop(name, None)
        try:
            np.random.seed(0)  # generate_stabilized_mx_data draws from the global NumPy generator
            yield importlib.import_module("mx_cpu_utils"), importlib.import_module("mx_kernels")
        finally:
            for name in _MODULES:
                sys.modules.pop(name, None)


def _close(out: Any, golden: np.ndarray) -> Comparison:
    got = np.asarray(out).astype(np.float32)
    assert got.shape == golden.shape, f"output shape {got.shape}, golden {golden.shape}"
    return Comparison(got, golden, TOLERANCE, TOLERANCE)


def _offline_quantized(dtype: str, corpus: Path) -> list[Comparison]:
    with _deep_dive(corpus) as (utils, kernels):
        q = QUANTIZED[dtype]
        m, k, n = 128, 128, 512
        _, _, stationary, stationary_scale = utils.generate_stabilized_mx_data(q, (k, m * 4))
        _, _, moving, moving_scale = utils.generate_stabilized_mx_data(q, (k, n * 4))
        out = nki.cpu_simulate(kernels.kernel_offline_quantized_mx_matmul)[1](
            stationary, stationary_scale, moving, moving_scale, X4[q]
        )
        return [
            _close(out, utils.nc_matmul_mx_golden(stationary, moving, stationary_scale, moving_scale, q, q))
        ]


def _on_device_quantize(stationary_dtype: str, moving_dtype: str, corpus: Path) -> list[Comparison]:
    with _deep_dive(corpus) as (utils, kernels):
        sq, mq = QUANTIZED[stationary_dtype], QUANTIZED[moving_dtype]
        m, k, n = 128, 128, 512
        _, _, stationary, stationary_scale = utils.generate_stabilized_mx_data(sq, (k, m * 4))
        moving, _, _, _ = utils.generate_stabilized_mx_data(mq, (k, n * 4))
        out = nki.cpu_simulate(kernels.kernel_on_device_quantize_matmul_mx)[1](
            stationary, stationary_scale, moving.astype(ml_dtypes.bfloat16), X4[sq], X4[mq]
        )
        moving_data, moving_scale = utils.quantize_mx_golden(moving, mq)
        golden = utils.nc_matmul_mx_golden(stationary, moving_data, stationary_scale, moving_scale, sq, mq)
        return [_close(out, golden)]


def _copy_strided(packed_scale: bool, use_tensor_copy: bool, corpus: Path) -> list[Comparison]:
    with _deep_dive(corpus) as (utils, kernels):
        q = ml_dtypes.float8_e5m2
        stationary, _, _, _ = utils.generate_stabilized_mx_data(q, (512, 128))
        moving, _, _, _ = utils.generate_stabilized_mx_data(q, (512, 512))
        kernel = (kernels.kernel_copy_strided_quantize_matmul_mx_packed_scale if packed_scale
                  else kernels.kernel_copy_strided_quantize_matmul_mx)  # fmt: skip
        out = nki.cpu_simulate(kernel)[1](
            stationary.astype(ml_dtypes.bfloat16), moving.astype(ml_dtypes.bfloat16), X4[q], use_tensor_copy
        )
        return [_close(out, stationary.T @ moving)]


ON_DEVICE_PAIRS = [("fp8_e4m3fn", "fp8_e4m3fn"), ("fp8_e5m2", "fp8_e5m2"), ("fp8_e4m3fn", "fp8_e5m2")]


def conformance_cases() -> list[RunnableCase]:
    cases = [RunnableCase(f"mx_offline_quantized_{dtype}", ROW, functools.partial(_offline_quantized, dtype))
             for dtype in sorted(QUANTIZED)]  # fmt: skip
    cases += [RunnableCase(f"mx_on_device_quantize_{s}_{m}", ROW, functools.partial(_on_device_quantize, s, m))
              for s, m in ON_DEVICE_PAIRS]  # fmt: skip
    cases += [RunnableCase(f"mx_copy_strided{'_packed_scale' if packed else ''}{'_tensor_copy' if copy else ''}",
                           ROW, functools.partial(_copy_strided, packed, copy))
              for packed in (False, True) for copy in (True, False)]  # fmt: skip
    return cases


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in conformance_cases()])
def test_mx_deep_dive_matches_golden(corpus: Path, case: RunnableCase) -> None:
    assert_case(case, corpus)
