"""`nl.broadcast_to` across partitions: float tiles go through a ones-matmul on the Tensor engine, which
takes float inputs only; integer tiles are copied into every quadrant with `nc_stream_shuffle` (exact)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.modules import import_file

KERNEL = """
import nki
import nki.language as nl


@nki.jit
def broadcast_rows(a, rows):
    out = nl.ndarray((rows, a.shape[1]), dtype=a.dtype, buffer=nl.shared_hbm)
    tile = nl.load(a)
    wide = nl.broadcast_to(tile, shape=(rows, a.shape[1]))
    nl.store(out, wide)
    return out
"""


@pytest.fixture(scope="module")
def broadcast_rows(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("broadcast") / "broadcast_kernel.py"
    path.write_text(KERNEL, encoding="utf-8")
    module = import_file(path, "broadcast_kernel")
    return module.broadcast_rows


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float32])
@pytest.mark.parametrize("rows", [128, 70])
def test_broadcast_across_partitions_is_exact(broadcast_rows, dtype: type, rows: int) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    values = np.arange(64, dtype=np.int64).reshape(1, 64) * 3 + (1 << 24) + 1  # above 2**24: fp32 would round
    a = (values % 251 if dtype is np.uint8 else values).astype(dtype)
    if dtype is np.float32:
        a = np.random.default_rng(0).random((1, 64), dtype=np.float32)
    out = np.asarray(broadcast_rows(a, rows))
    assert out.dtype == a.dtype
    np.testing.assert_array_equal(out, np.repeat(a, rows, axis=0))
