"""Corpus conformance: B2 kernels with NumPy references (MANIFEST.md ref=yes, simple shapes) run through
our runtime (`nki.simulate`) and match their reference within the MANIFEST tolerance.

Kernel modules are loaded without their host code: only imports, definitions and constant assignments of
the file run (with the real file name, so `nki.jit` finds the source); `if __name__ == "__main__":` blocks
and top-level driver calls are dropped, and so are imports of host frameworks that are not installed
(torch, torch_xla) together with the classes of the file (host-side modules built on them). References
written in torch upstream are reimplemented here in NumPy from the algorithm they compute.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest

import nki
from tests.conformance.harness import CaseSkipped, Comparison, RunnableCase, assert_case

pytestmark = pytest.mark.corpus

_KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


def load_definitions(path: Path) -> types.ModuleType:
    """The module's imports, functions, classes and constant assignments; host code is not run."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    tree.body = [n for n in tree.body if isinstance(n, _KEEP) or _constant_assignment(n)]
    if not all(_importable(n) for n in tree.body):
        tree.body = [n for n in tree.body if _importable(n) and not isinstance(n, ast.ClassDef)]
    module = types.ModuleType(f"corpus_{path.stem}")
    module.__file__ = str(path)
    exec(compile(tree, str(path), "exec"), module.__dict__)  # noqa: S102  (the test means to run the kernel)
    return module


def _importable(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return all(importlib.util.find_spec(a.name.split(".")[0]) is not None for a in node.names)
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return importlib.util.find_spec(node.module.split(".")[0]) is not None
    return True


def _constant_assignment(node: ast.stmt) -> bool:
    """`NAME = constant` only: a subscript target such as `os.environ[...] = "trn1"` is host configuration."""
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and all(isinstance(t, ast.Name) for t in node.targets)
    )


@dataclass(frozen=True)
class Case:
    path: str
    kernel: str
    make_inputs: Callable[[np.random.Generator], tuple[Any, ...]]
    reference: Callable[..., np.ndarray]
    rtol: float = 1e-5
    atol: float = 1e-8
    xfail: str = ""  # why this kernel cannot run here (a strict xfail: it must keep failing)
    lnc: int = 1


def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.random(shape, dtype=np.float32)


def _bf16(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return _f32(rng, *shape).astype(ml_dtypes.bfloat16)


def _matmul(lhs_t: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return lhs_t.T @ rhs


def _matmul_blocked(lhs_t: np.ndarray, rhs: np.ndarray, *tiles_in_block: int) -> np.ndarray:
    return lhs_t.astype(np.float32).T @ rhs.astype(np.float32)


def _transpose2d(a: np.ndarray, shape2d: tuple[int, int]) -> np.ndarray:
    x, y = shape2d
    return np.transpose(a.reshape(a.shape[0], x, y), (0, 2, 1)).reshape(a.shape[0], x * y)


def _mamba_inputs(seq_len: int) -> Callable[[np.random.Generator], tuple[np.ndarray, ...]]:
    """delta, u (batch, channels, seq); A (channels, state); B, C (batch, state, seq): small positive delta
    and negative A keep exp(delta * A) in (0, 1) like a trained model."""

    def make(r: np.random.Generator) -> tuple[np.ndarray, ...]:
        batch, channels, state = 1, 128, 4
        delta = _f32(r, batch, channels, seq_len) * np.float32(0.1)
        return delta, _f32(r, batch, channels, seq_len), -_f32(r, channels, state), \
            _f32(r, batch, state, seq_len), _f32(r, batch, state, seq_len)  # fmt: skip

    return make


def _mamba(delta: np.ndarray, u: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The selective-scan SSM: h_t = exp(delta_t * A) h_{t-1} + delta_t B_t u_t, y_t = sum_state C_t h_t."""
    decay = np.exp(delta[:, :, None, :] * a[None, :, :, None])
    drive = delta[:, :, None, :] * b[:, None, :, :] * u[:, :, None, :]
    state = np.zeros(decay.shape[:-1], np.float32)
    scanned = np.empty_like(decay)
    for t in range(decay.shape[-1]):
        state = decay[..., t] * state + drive[..., t]
        scanned[..., t] = state
    return (c[:, None, :, :] * scanned).sum(axis=-2)


def _rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=1, keepdims=True) + eps) * weight


NKILIB_SRC = "nki-library/src"
CUMSUM = f"{NKILIB_SRC}/nkilib_src/nkilib/core/cumsum/cumsum.py"


def _cumsum(x: np.ndarray) -> np.ndarray:
    return np.cumsum(x, axis=-1, dtype=np.float32)


MAMBA = "aws-neuron-sdk/nki/examples/fused_mamba/mamba_nki_kernels.py"
MATMUL = "aws-neuron-sdk/nki/examples/matrix_multiplication/matrix_multiplication_nki_kernels.py"
CASES = {
    "simulate_add": Case("aws-neuron-sdk/nki/examples/simulate/nki_simulate_example.py", "add_kernel",
                         lambda r: (_f32(r, 128, 512), _f32(r, 128, 512)), np.add),
    "tensor_addition": Case("aws-neuron-sdk/nki/examples/tensor_addition/tensor_addition_nki_kernels.py",
                            "nki_tensor_add", lambda r: (_f32(r, 256, 1024), _f32(r, 256, 1024)), np.add),
    "baremetal_add": Case("aws-neuron-sdk/nki/examples/getting_started_baremetal.py", "nki_tensor_add_kernel",
                          lambda r: (_f32(r, 128, 512), _f32(r, 128, 512)), np.add),
    "matmul_basic": Case(MATMUL, "nki_matmul_basic_", lambda r: (_f32(r, 128, 64), _f32(r, 128, 512)),
                         _matmul, 1e-2, 1e-4),
    "matmul_tiled": Case(MATMUL, "nki_matmul_tiled_", lambda r: (_f32(r, 256, 128), _f32(r, 256, 1024)),
                         _matmul, 1e-2, 1e-4),
    "matmul_hoist_load": Case(MATMUL, "nki_matmul_hoist_load_",
                              lambda r: (_f32(r, 256, 256), _f32(r, 256, 1024)), _matmul, 1e-2, 1e-4),
    "matmul_block_free": Case(MATMUL, "nki_matmul_block_free_dimension_",
                              lambda r: (_f32(r, 256, 256), _f32(r, 256, 1024)), _matmul, 1e-2, 1e-4),
    "matmul_fully_optimized": Case(MATMUL, "nki_matmul_fully_optimized_",  # 2x2x2 blocks of 2x1x2 tiles (M, N, K)
                                   lambda r: (_f32(r, 512, 512), _f32(r, 512, 1024), 2, 1, 2),
                                   _matmul_blocked, 1e-2, 1e-4),
    "matmul_fully_optimized_bf16": Case(MATMUL, "nki_matmul_fully_optimized_",  # the torch driver's dtype
                                        lambda r: (_bf16(r, 512, 512), _bf16(r, 512, 1024), 2, 1, 2),
                                        _matmul_blocked, 1e-2, 1e-4),
    "transpose2d": Case("aws-neuron-sdk/nki/examples/transpose2d/transpose2d_nki_kernels.py",
                        "tensor_transpose2D_kernel_",
                        lambda r: (np.arange(5 * 12, dtype=np.int8).reshape(5, 12), (3, 4)), _transpose2d, 0, 0),
    "mamba_v1": Case(MAMBA, "mamba_v1", _mamba_inputs(64), _mamba, 1e-2, 1e-2),
    "mamba_v2": Case(MAMBA, "mamba_v2", _mamba_inputs(64), _mamba, 1e-2, 1e-2),
    "mamba_v3": Case(MAMBA, "mamba_v3", _mamba_inputs(512), _mamba, 1e-2, 1e-2),
    "moe_rmsnorm": Case("nki-moe/nki_custom_rmsnorm.py", "nki_rmsnorm_kernel",
                        lambda r: (_f32(r, 256, 512), _f32(r, 512), 1e-6), _rmsnorm, 0, 1e-3),
    "moe_tensor_add": Case("nki-moe/nki_tensor_add_example.py", "nki_tensor_add_kernel",
                           lambda r: (_f32(r, 4, 3).astype(np.float16), _f32(r, 4, 3).astype(np.float16)), np.add,
                           0, 1e-5, "the kernel uses `@nki.jit(platform_target=...)`, removed in NKI 0.3: "
                           "KernelLaunchError is the 0.6 behaviour"),
    "nkilib_cumsum_2d": Case(CUMSUM, "cumsum", lambda r: (_f32(r, 4, 256),), _cumsum, 1e-3, 1e-3),
    "nkilib_cumsum_3d_lnc2": Case(CUMSUM, "cumsum", lambda r: (_f32(r, 2, 3, 300),), _cumsum, 1e-3, 1e-3, lnc=2),
}  # fmt: skip


def conformance_cases() -> list[RunnableCase]:
    return [RunnableCase(name, case.path, functools.partial(_execute, case), case.xfail)
            for name, case in sorted(CASES.items())]  # fmt: skip


def _execute(case: Case, corpus: Path) -> list[Comparison]:
    if not (corpus / case.path).is_file():
        raise CaseSkipped(f"{case.path} is not in this corpus")
    with pytest.MonkeyPatch.context() as monkeypatch:
        kernel = getattr(_load(corpus, case.path, monkeypatch), case.kernel)
        inputs = case.make_inputs(np.random.default_rng(0))
        out = nki.cpu_simulate(kernel)[case.lnc](*inputs)
    expected = case.reference(*inputs)
    assert np.shape(out) == expected.shape, f"output shape {np.shape(out)}, reference {expected.shape}"
    return [Comparison(out, expected, case.rtol, case.atol)]


def _params() -> list[Any]:
    return [pytest.param(case, id=case.name, marks=pytest.mark.xfail(reason=case.expected_failure, strict=True))
            if case.expected_failure else pytest.param(case, id=case.name)
            for case in conformance_cases()]  # fmt: skip


@pytest.mark.parametrize("case", _params())
def test_corpus_kernel_matches_reference(corpus: Path, case: RunnableCase) -> None:
    assert_case(case, corpus)


def _load(corpus: Path, path: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """nki-library modules import their package (`nkilib_src.nkilib...`): import them as such."""
    if not path.startswith(NKILIB_SRC + "/"):
        return load_definitions(corpus / path)
    monkeypatch.syspath_prepend(str(corpus / NKILIB_SRC))
    return importlib.import_module(path[len(NKILIB_SRC) + 1 : -len(".py")].replace("/", "."))
