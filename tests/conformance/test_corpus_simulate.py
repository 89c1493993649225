"""Corpus conformance: B2 kernels with NumPy references (MANIFEST.md ref=yes, simple shapes) run through
our runtime (`nki.simulate`) and match their reference within the MANIFEST tolerance.

Kernel modules are loaded without their host code: only imports, definitions and constant assignments of
the file run (with the real file name, so `nki.jit` finds the source); `if __name__ == "__main__":` blocks
and top-level driver calls are dropped.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nki

pytestmark = pytest.mark.corpus

_KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


def load_definitions(path: Path) -> types.ModuleType:
    """The module's imports, functions, classes and constant assignments; host code is not run."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    tree.body = [n for n in tree.body if isinstance(n, _KEEP) or _constant_assignment(n)]
    module = types.ModuleType(f"corpus_{path.stem}")
    module.__file__ = str(path)
    exec(compile(tree, str(path), "exec"), module.__dict__)  # noqa: S102  (the test means to run the kernel)
    return module


def _constant_assignment(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)


@dataclass(frozen=True)
class Case:
    path: str
    kernel: str
    make_inputs: Callable[[np.random.Generator], tuple[Any, ...]]
    reference: Callable[..., np.ndarray]
    rtol: float = 1e-5
    atol: float = 1e-8


def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.random(shape, dtype=np.float32)


def _matmul(lhs_t: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return lhs_t.T @ rhs


def _transpose2d(a: np.ndarray, shape2d: tuple[int, int]) -> np.ndarray:
    x, y = shape2d
    return np.transpose(a.reshape(a.shape[0], x, y), (0, 2, 1)).reshape(a.shape[0], x * y)


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
    "transpose2d": Case("aws-neuron-sdk/nki/examples/transpose2d/transpose2d_nki_kernels.py",
                        "tensor_transpose2D_kernel_",
                        lambda r: (np.arange(5 * 12, dtype=np.int8).reshape(5, 12), (3, 4)), _transpose2d, 0, 0),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_kernel_matches_reference(corpus: Path, name: str) -> None:
    case = CASES[name]
    path = corpus / case.path
    if not path.is_file():
        pytest.skip(f"{case.path} is not in this corpus half")
    kernel = getattr(load_definitions(path), case.kernel)
    inputs = case.make_inputs(np.random.default_rng(0))
    out = nki.simulate(kernel)(*inputs)
    expected = case.reference(*inputs)
    assert out.shape == expected.shape
    assert np.allclose(out, expected, rtol=case.rtol, atol=case.atol)
