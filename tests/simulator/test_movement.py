from __future__ import annotations

import numpy as np
import pytest

from nki_sim import Machine, SimulationError
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, rand, run, tile, values


def hbm(core: Core, array: np.ndarray, dtype: str = "float32"):  # noqa: ANN201
    return core.machine.input("x", np.ascontiguousarray(array), dtype).view()


def test_dma_copy_casts_through_fp32_and_reshapes(core: Core) -> None:
    src = rand((4, 32), 1)
    dst = fresh(core, (4, 2, 16), "bfloat16")
    run(core, "dma_copy", dst=dst, src=hbm(core, src))
    np.testing.assert_array_equal(values(dst).reshape(4, 32), src.astype("bfloat16").astype(np.float32))


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"dst_buffer": "psum"}, "DMA cannot access PSUM"),
        ({"dst_shape": (4, 16)}, "equal element counts"),
        ({"dge_mode": "hwdge", "dst_dtype": "bfloat16"}, "hwdge needs equal dtypes"),
        ({"engine": "sync"}, "dma_copy engine"),
        ({"priority": 7}, "priority 0-3"),
    ],
)
def test_dma_copy_rules(core: Core, kwargs: dict[str, object], rule: str) -> None:
    dst = fresh(core, kwargs.pop("dst_shape", (4, 32)), str(kwargs.pop("dst_dtype", "float32")),  # type: ignore[arg-type]
                str(kwargs.pop("dst_buffer", "sbuf")))  # fmt: skip
    with pytest.raises(SimulationError, match=rule):
        run(core, "dma_copy", dst=dst, src=hbm(core, rand((4, 32))), **kwargs)


@pytest.mark.parametrize(
    ("shape", "axes"), [((16, 8), (1, 0)), ((4, 6, 8), (2, 1, 0)), ((2, 3, 4, 5), (3, 1, 2, 0))]
)
def test_dma_transpose(core: Core, shape: tuple[int, ...], axes: tuple[int, ...]) -> None:
    src = rand(shape, 2)
    dst = fresh(core, tuple(shape[a] for a in axes), "float32")
    run(core, "dma_transpose", dst=dst, src=hbm(core, src))
    np.testing.assert_array_equal(values(dst), np.transpose(src, axes))


def test_dma_transpose_dst_shape_must_match(core: Core) -> None:
    with pytest.raises(SimulationError, match="permuted src shape"):
        run(core, "dma_transpose", dst=fresh(core, (16, 8)), src=hbm(core, rand((16, 8))))


def test_dma_compute_adds_sources(core: Core) -> None:
    a, b = rand((4, 8), 3), rand((4, 8), 4)
    dst = fresh(core, (4, 8))
    run(core, "dma_compute", dst=dst, srcs=[tile(core, a), hbm(core, b)], reduce_op="add")
    np.testing.assert_allclose(values(dst), a + b, rtol=1e-6)


def test_tensor_copy_same_dtype_is_bit_exact(core: Core) -> None:
    src = tile(core, np.array([[np.nan, -0.0, 1e-40]], np.float32))
    dst = fresh(core, (1, 3), "float32", "psum")
    run(core, "tensor_copy", dst=dst, src=src)
    assert dst.array.tobytes() == src.array.tobytes()


def test_tensor_copy_gpsimd_cannot_touch_psum(core: Core) -> None:
    with pytest.raises(SimulationError, match="GpSimd cannot access PSUM"):
        run(
            core,
            "tensor_copy",
            dst=fresh(core, (2, 2)),
            src=fresh(core, (2, 2), "float32", "psum"),
            engine="gpsimd",
        )


def test_tensor_copy_on_scalar_engine_needs_trn2() -> None:
    core = Machine("trn1").cores[0]
    with pytest.raises(SimulationError, match="arch gating"):
        run(core, "tensor_copy", dst=fresh(core, (2, 2)), src=tile(core, np.ones((2, 2))), engine="scalar")


def test_tensor_copy_predicated(core: Core) -> None:
    dst = tile(core, np.zeros((2, 3)))
    pred = tile(core, [[1, 0, 2], [0, 0, 1]], "uint8")
    run(core, "tensor_copy_predicated", dst=dst, src=tile(core, np.full((2, 3), 7.0)), predicate=pred)
    assert values(dst).tolist() == [[7, 0, 7], [0, 0, 7]]
    run(core, "tensor_copy_predicated", dst=dst, src=5.0, predicate=pred, reverse_pred=True)
    assert values(dst).tolist() == [[7, 5, 7], [5, 5, 7]]


def test_memset(core: Core) -> None:
    out = fresh(core, (2, 4), "bfloat16")
    run(core, "memset", dst=out, value=0.1)
    assert np.all(values(out) == np.float32(0.1).astype("bfloat16").astype(np.float32))
    with pytest.raises(SimulationError, match="memset value matches dst dtype"):
        run(core, "memset", dst=fresh(core, (2, 4), "int32"), value=2.0)
    with pytest.raises(SimulationError, match="x4 value 0"):
        run(core, "memset", dst=fresh(core, (2, 4), "float8_e4m3fn_x4"), value=1.0)


def test_nc_stream_shuffle_broadcast_and_keep(core: Core) -> None:
    src = tile(core, np.arange(32 * 2, dtype=np.float32).reshape(32, 2))
    dst = tile(core, np.full((32, 2), -1.0))
    mask = [31 - i for i in range(31)] + [255]
    run(core, "nc_stream_shuffle", dst=dst, src=src, shuffle_mask=mask)
    expected = np.arange(64, dtype=np.float32).reshape(32, 2)[::-1].copy()
    expected[31] = -1.0
    expected[:31] = np.arange(64, dtype=np.float32).reshape(32, 2)[31:0:-1]
    np.testing.assert_array_equal(values(dst), expected)
    one = tile(core, [[5.0, 6.0]])
    wide = fresh(core, (32, 2))
    run(core, "nc_stream_shuffle", dst=wide, src=one, shuffle_mask=[0] * 32)
    assert np.all(values(wide) == [5.0, 6.0])


def test_local_gather_per_core_indices(core: Core) -> None:
    src = np.arange(32 * 8, dtype=np.float32).reshape(32, 8)
    index = np.zeros((32, 1), np.uint16)
    index[0:16, 0] = [1, 3] + [0] * 14
    index[16:32, 0] = [6] + [0] * 15
    dst = fresh(core, (32, 2 * 2))
    run(core, "local_gather", dst=dst, src_buffer=tile(core, src), index=tile(core, index, "uint16"),
        num_elem_per_idx=2, num_valid_indices=2)  # fmt: skip
    np.testing.assert_array_equal(values(dst)[0], [1, 2, 3, 4])
    np.testing.assert_array_equal(values(dst)[17], [17 * 8 + 6, 17 * 8 + 7, 17 * 8, 17 * 8 + 1])
    index[16, 0] = 7  # 7 + 1 reaches past the 8 elements of a partition
    with pytest.raises(SimulationError, match="index in bounds"):
        run(core, "local_gather", dst=dst, src_buffer=tile(core, src), index=tile(core, index, "uint16"),
            num_elem_per_idx=2, num_valid_indices=2)  # fmt: skip


def test_nc_n_gather(core: Core) -> None:
    data = np.arange(12, dtype=np.float32).reshape(2, 6)
    idx = np.array([[5, 0], [1, 1]], np.uint32)
    dst = fresh(core, (2, 2))
    run(core, "nc_n_gather", dst=dst, data=tile(core, data), indices=tile(core, idx, "uint32"))
    assert values(dst).tolist() == [[5, 0], [7, 7]]
