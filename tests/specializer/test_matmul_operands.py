"""`nl.matmul` lowers to `nc_matmul`: an operand left in PSUM (a Beta-1 `nl.transpose` result, PSUM in 0.6)
is NKI402 with the exact remedy, and the remedy (`nl.copy` to SBUF) compiles and matches NumPy."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from nki._runtime import KernelCompileError
from tests.helpers.modules import import_file

KERNELS = """
import nki
import nki.language as nl


@nki.jit
def transposed_moving(a, b):
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    a_tile, b_tile = nl.load(a), nl.load(b)
    b_t = nl.transpose(b_tile)
    nl.store(out, nl.matmul(a_tile, b_t, transpose_x=True))
    return out


@nki.jit
def copied_moving(a, b):
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    a_tile, b_tile = nl.load(a), nl.load(b)
    b_t = nl.transpose(b_tile)
    nl.store(out, nl.copy(nl.matmul(a_tile, nl.copy(b_t), transpose_x=True)))
    return out
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("matmul") / "matmul_operands.py"
    path.write_text(KERNELS, encoding="utf-8")
    module = import_file(path, "matmul_operands")
    return module


A = np.random.default_rng(0).random((128, 128), dtype=np.float32)
B = np.random.default_rng(1).random((128, 128), dtype=np.float32)


def test_psum_moving_operand_is_nki402_with_the_remedy(kernels: ModuleType) -> None:
    with pytest.raises(KernelCompileError) as error:
        kernels.transposed_moving(A, B)
    assert "NKI402" in str(error.value) and "nl.copy(y)" in str(error.value)


def test_the_remedy_matches_numpy(kernels: ModuleType) -> None:
    np.testing.assert_allclose(kernels.copied_moving(A, B), A.T @ B.T, rtol=1e-4)
