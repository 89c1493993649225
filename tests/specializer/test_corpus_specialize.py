"""Corpus B2 kernels with shapes from their reference tests specialize without internal errors and
without false errors (skips when ../shared/corpus is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nki_compiler.diagnostics.model import Severity
from nki_compiler.ir import verify
from nki_compiler.specializer import ArgumentFact as F
from tests.specializer.helpers import specialize_file

EXAMPLES = "aws-neuron-sdk/nki/examples"
MATMUL = f"{EXAMPLES}/matrix_multiplication/matrix_multiplication_nki_kernels.py"
BIG_MATMUL = {"lhsT": F("bfloat16", (1024, 4096)), "rhs": F("bfloat16", (1024, 2048))}

CASES = [
    (f"{EXAMPLES}/simulate/nki_simulate_example.py", "add_kernel",
     {"a_ptr": F("float32", (128, 512)), "b_ptr": F("float32", (128, 512))}, 8),
    (f"{EXAMPLES}/tensor_addition/tensor_addition_nki_kernels.py", "nki_tensor_add",
     {"a_input": F("float32", (256, 1024)), "b_input": F("float32", (256, 1024))}, 29),
    (MATMUL, "nki_matmul_basic_", {"lhsT": F("float32", (128, 64)), "rhs": F("float32", (128, 512))}, 10),
    (MATMUL, "nki_matmul_tiled_", BIG_MATMUL, 5633),
    (MATMUL, "nki_matmul_hoist_load_", BIG_MATMUL, 4097),
    (MATMUL, "nki_matmul_block_free_dimension_", BIG_MATMUL, 3073),
    (MATMUL, "nki_matmul_fully_optimized_", BIG_MATMUL, 1527),
    (f"{EXAMPLES}/transpose2d/transpose2d_nki_kernels.py", "tensor_transpose2D_kernel_",
     {"in_tensor": F("int8", (5, 12)), "shape2D": (3, 4)}, 17),
    (f"{EXAMPLES}/getting_started_baremetal.py", "nki_tensor_add_kernel",
     {"a_input": F("float16", (4, 3)), "b_input": F("float16", (4, 3))}, 8),
]  # fmt: skip


@pytest.mark.parametrize(("relative", "kernel", "facts", "count"), CASES, ids=[c[1] for c in CASES])
def test_corpus_kernel_specializes(corpus: Path, relative: str, kernel: str, facts: dict, count: int) -> None:
    path = corpus / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in this corpus copy")
    result = specialize_file(path, kernel, facts)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors, errors
    assert result.program is not None and result.complete
    assert verify(result.program) == []
    assert result.program.count() == count  # instructions after unrolling (allocations included)


def test_corpus_kernel_without_facts_is_silent(corpus: Path) -> None:
    path = corpus / MATMUL
    if not path.is_file():
        pytest.skip("matmul example missing")
    result = specialize_file(path, "nki_matmul_tiled_")
    assert result.diagnostics == []
    assert not result.complete
