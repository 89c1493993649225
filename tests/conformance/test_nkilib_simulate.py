"""nki-library kernels through the entry point of its own test harness, `nki.cpu_simulate(kernel)[lnc](**inputs)`,
against NumPy re-implementations of the library's torch references (torch is not a dependency).

The kernels are imported as the package they belong to (`nkilib_src.nkilib...`, from `<corpus>/nki-library/src`).
A kernel whose module imports a file that this half of the corpus does not hold is skipped, naming the file.
Shapes are small versions of the library's test parameters (MANIFEST.md rows); inputs are seeded.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest

import nki
import nki.language as nl
from tests.conformance.harness import CaseSkipped, Comparison, RunnableCase, assert_case

pytestmark = pytest.mark.corpus

Inputs = dict[str, Any]


@dataclass(frozen=True)
class Case:
    module: str  # below nkilib_src.nkilib
    kernel: str
    lnc: int
    make_inputs: Callable[[np.random.Generator], Inputs]
    reference: Callable[[Inputs], tuple[np.ndarray, ...]]
    rtol: float = 0.0
    atol: float = 0.0
    xfail: str = ""  # the precise missing feature (a strict xfail: it must keep failing)
    compare: Callable[[tuple[Any, ...], Inputs], None] | None = None  # instead of allclose to `reference`


def _nonzero_inputs(rows: int, columns: int, chunk: int) -> Callable[[np.random.Generator], Inputs]:
    def make(r: np.random.Generator) -> Inputs:
        mask = r.random((rows, columns)) < 0.3
        return {
            "input_tensor": (mask * r.integers(1, 9, (rows, columns))).astype(np.int32),
            "chunk_size": chunk,
        }

    return make


def _nonzero(inputs: Inputs) -> tuple[np.ndarray, ...]:
    """The kernel's documented pseudocode: per column, the row indices of nonzeros then -1; and the counts."""
    x = inputs["input_tensor"]
    indices = np.full((x.shape[1], x.shape[0]), -1, np.int64)
    for c in range(x.shape[1]):
        found = np.flatnonzero(x[:, c])
        indices[c, : found.size] = found
    return indices, (x != 0).sum(axis=0)


def _conv_inputs(
    channels: int, width: int, taps: int, stride: int, pad: tuple[int, int]
) -> Callable[..., Inputs]:
    def make(r: np.random.Generator) -> Inputs:
        return {"img_ref": r.random((1, channels, 1, width), dtype=np.float32),
                "filter_ref": r.random((channels, 1, 1, taps), dtype=np.float32),
                "padding": ((0, 0), pad), "stride": (1, stride), "feature_group_count": channels}  # fmt: skip

    return make


def _depthwise_conv1d(inputs: Inputs) -> tuple[np.ndarray, ...]:
    """Cross-correlation per channel (jax.lax.conv_general_dilated with feature_group_count = C)."""
    img, weights = inputs["img_ref"], inputs["filter_ref"]
    (left, right), stride = inputs["padding"][1], inputs["stride"][1]
    padded = np.pad(img, ((0, 0), (0, 0), (0, 0), (left, right)))
    taps = weights.shape[-1]
    width = (padded.shape[-1] - taps) // stride + 1
    out = sum(padded[..., s : s + stride * (width - 1) + 1 : stride] * weights[:, 0, 0, s].reshape(1, -1, 1, 1)
              for s in range(taps))  # fmt: skip
    return (np.asarray(out),)


def _logits_inputs(positions: int, vocab: int, dtype: Any, **options: Any) -> Callable[..., Inputs]:
    def make(r: np.random.Generator) -> Inputs:
        logits = r.standard_normal((positions, vocab)).astype(np.float32)
        if dtype == nl.bfloat16:
            logits = logits.astype(ml_dtypes.bfloat16)
        targets = r.integers(0, vocab, positions).astype(np.int32)
        return {"logits_hbm": logits, "targets_hbm": targets, "dtype": dtype, **options}

    return make


def _log_sum_exp(logits: np.ndarray) -> np.ndarray:
    x = logits.astype(np.float64)
    top = x.max(axis=1)
    return top + np.log(np.exp(x - top[:, None]).sum(axis=1))


def _cross_entropy_forward(inputs: Inputs) -> tuple[np.ndarray, ...]:
    """torch.nn.functional.cross_entropy(reduction="none") and the saved log-sum-exp state."""
    logits, targets = inputs["logits_hbm"], inputs["targets_hbm"]
    lse = _log_sum_exp(logits)
    return lse - logits.astype(np.float64)[np.arange(len(targets)), targets], lse


def _backward_inputs(positions: int, vocab: int, **options: Any) -> Callable[..., Inputs]:
    forward = _logits_inputs(positions, vocab, nl.float32, **options)

    def make(r: np.random.Generator) -> Inputs:
        inputs = forward(r)
        lse = _log_sum_exp(inputs["logits_hbm"]).astype(np.float32)
        return {**inputs, "lse_state_hbm": lse}

    return make


def _cross_entropy_backward(inputs: Inputs) -> tuple[np.ndarray, ...]:
    """d loss / d logits = scale * (softmax - one_hot(target)); scale 1/N for "mean", 1 for "sum"."""
    logits, targets = inputs["logits_hbm"].astype(np.float64), inputs["targets_hbm"]
    grad = np.exp(logits - inputs["lse_state_hbm"].astype(np.float64)[:, None])
    grad[np.arange(len(targets)), targets] -= 1.0
    scale = 1.0 / len(targets) if inputs.get("reduction", "mean") == "mean" else 1.0
    return (grad * scale,)


def _rmsnorm_quant_inputs(r: np.random.Generator) -> Inputs:
    rmsnorm_quant = importlib.import_module("nkilib_src.nkilib.core.rmsnorm.rmsnorm_quant")
    return {"hidden": r.standard_normal((1, 4, 256)).astype(ml_dtypes.bfloat16),
            "ln_w": (r.random(256) + 0.5).astype(ml_dtypes.bfloat16),
            "kargs": rmsnorm_quant.RmsNormQuantKernelArgs(eps=1e-3)}  # fmt: skip


FP8_E4M3_RANGE = 240.0  # the library's quant_data_type_range
MIN_DEQUANT_SCALE = 1e-6


def _rmsnorm_quant(inputs: Inputs) -> tuple[np.ndarray, ...]:
    """RMS norm with gamma, then per-row fp8 quantization: (normalized rows, fp32 dequantization scales)."""
    x = inputs["hidden"].astype(np.float64).reshape(-1, inputs["hidden"].shape[-1])
    rms = np.sqrt((x * x).mean(axis=1, keepdims=True) + inputs["kargs"].eps)
    normalized = x / rms * inputs["ln_w"].astype(np.float64)
    scale = np.maximum(np.abs(normalized).max(axis=1) / FP8_E4M3_RANGE, MIN_DEQUANT_SCALE)
    return normalized, scale


def _compare_rmsnorm_quant(outputs: tuple[Any, ...], inputs: Inputs) -> None:
    """Each output row is H fp8 values then its fp32 dequantization scale stored as 4 fp8 bytes."""
    normalized, scale = _rmsnorm_quant(inputs)
    (out,) = outputs
    rows = np.ascontiguousarray(out).reshape(normalized.shape[0], -1)
    got_scale = rows[:, -4:].copy().view(np.uint8).view(np.float32).reshape(-1)
    np.testing.assert_allclose(got_scale, scale, rtol=2e-2)
    dequantized = rows[:, :-4].astype(np.float64) * got_scale[:, None]
    # e4m3 keeps 3 fraction bits: half a step is 1/16 relative; bf16 intermediates add a little
    np.testing.assert_allclose(dequantized, normalized, rtol=0.08, atol=4 * scale.max() / 64)


NONZERO = "core.subkernels.find_nonzero_indices"
CONV = "experimental.conv.depthwise_conv1d"
LOSS = "experimental.loss.cross_entropy"
CASES = {
    "find_nonzero_indices_256x16": Case(NONZERO, "find_nonzero_indices", 2, _nonzero_inputs(256, 16, 128), _nonzero),
    "find_nonzero_indices_512x8": Case(NONZERO, "find_nonzero_indices", 2, _nonzero_inputs(512, 8, 512), _nonzero),
    "depthwise_conv1d": Case(CONV, "depthwise_conv1d_implicit_gemm", 2, _conv_inputs(16, 64, 8, 1, (0, 0)),
                             _depthwise_conv1d, 1e-5, 1e-5),
    "depthwise_conv1d_stride2_pad": Case(CONV, "depthwise_conv1d_implicit_gemm", 2,
                                         _conv_inputs(32, 200, 5, 2, (2, 1)), _depthwise_conv1d, 1e-5, 1e-5),
    "cross_entropy_forward_fp32": Case(LOSS, "cross_entropy_forward", 2,
                                       _logits_inputs(16, 512, nl.float32, positions_per_batch=8, chunk_size=256),
                                       _cross_entropy_forward, 1e-5, 1e-5),
    "cross_entropy_forward_bf16": Case(LOSS, "cross_entropy_forward", 2,
                                       _logits_inputs(32, 1024, nl.bfloat16, positions_per_batch=8, chunk_size=512),
                                       _cross_entropy_forward, 2e-2, 2e-2),
    "cross_entropy_backward_mean": Case(LOSS, "cross_entropy_backward", 2,
                                        _backward_inputs(16, 512, positions_per_batch=8, chunk_size=256,
                                                         inplace=False),
                                        _cross_entropy_backward, 1e-4, 1e-6),
    "rmsnorm_quant_row": Case("core.rmsnorm.rmsnorm_quant", "rmsnorm_quant_kernel", 1, _rmsnorm_quant_inputs,
                              _rmsnorm_quant, compare=_compare_rmsnorm_quant),
}  # fmt: skip


NKILIB_SRC = "nki-library/src"


def conformance_cases() -> list[RunnableCase]:
    return [RunnableCase(name, f"{NKILIB_SRC}/nkilib_src/nkilib/{case.module.replace('.', '/')}.py",
                         functools.partial(_execute, case), case.xfail)
            for name, case in sorted(CASES.items())]  # fmt: skip


def _import_kernel(corpus: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> Any:
    source = corpus / NKILIB_SRC
    if not (source / "nkilib_src" / "nkilib" / (case.module.replace(".", "/") + ".py")).is_file():
        raise CaseSkipped(f"{case.module} is not in this corpus")
    monkeypatch.syspath_prepend(str(source))
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn2")  # the library targets trn2
    try:
        module = importlib.import_module(f"nkilib_src.nkilib.{case.module}")
    except ModuleNotFoundError as missing:
        raise CaseSkipped(f"imports {missing.name}, absent from this corpus") from None
    return getattr(module, case.kernel)


def _execute(case: Case, corpus: Path) -> list[Comparison]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        kernel = _import_kernel(corpus, case, monkeypatch)
        inputs = case.make_inputs(np.random.default_rng(0))
        outputs = nki.cpu_simulate(kernel)[case.lnc](**inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    if case.compare is not None:
        case.compare(outputs, inputs)
        return []
    expected = case.reference(inputs)
    assert len(outputs) == len(expected), f"{len(outputs)} outputs, reference has {len(expected)}"
    return [Comparison(got, want, case.rtol, case.atol, f"output {index}")
            for index, (got, want) in enumerate(zip(outputs, expected, strict=True))]  # fmt: skip


def _params() -> list[Any]:
    return [pytest.param(case, id=case.name, marks=pytest.mark.xfail(reason=case.expected_failure, strict=True))
            if case.expected_failure else pytest.param(case, id=case.name)
            for case in conformance_cases()]  # fmt: skip


@pytest.mark.parametrize("case", _params())
def test_nkilib_kernel_matches_reference(corpus: Path, case: RunnableCase) -> None:
    assert_case(case, corpus)
