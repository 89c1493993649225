from __future__ import annotations

import numpy as np
import pytest

from nki_sim import SimulationError
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, rand, run, tile, values

A, B = rand((8, 16), 1), rand((8, 16), 2)

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum,
    "minimum": np.minimum, "equal": lambda a, b: (a == b).astype(np.float32),
    "greater": lambda a, b: (a > b).astype(np.float32), "less_equal": lambda a, b: (a <= b).astype(np.float32),
    "logical_and": lambda a, b: ((a != 0) & (b != 0)).astype(np.float32),
    "abs_max": lambda a, b: np.where(np.abs(a) > np.abs(b), a, b),
}  # fmt: skip


@pytest.mark.parametrize("op", sorted(BINARY))
def test_tensor_tensor_matches_numpy(core: Core, op: str) -> None:
    out = fresh(core, (8, 16))
    run(core, "tensor_tensor", dst=out, data1=tile(core, A), data2=tile(core, B), op=op)
    np.testing.assert_array_equal(values(out), BINARY[op](A, B))


def test_tensor_tensor_free_shapes_may_differ_and_rounds_to_bf16(core: Core) -> None:
    out = fresh(core, (8, 4, 4), "bfloat16")
    run(core, "tensor_tensor", dst=out, data1=tile(core, A), data2=tile(core, B.reshape(8, 2, 8)), op="add")
    expected = (A + B).astype("bfloat16").astype(np.float32).reshape(8, 4, 4)
    np.testing.assert_array_equal(values(out), expected)


def test_tensor_tensor_on_partition_offset_views(core: Core) -> None:
    big = tile(core, np.zeros((64, 16), np.float32))
    from nki_sim import make_view

    lower = make_view(big.storage, 32 * 16, (8, 16), (16, 1))
    run(core, "tensor_tensor", dst=lower, data1=tile(core, A), data2=tile(core, B), op="multiply")
    np.testing.assert_array_equal(values(big)[32:40], A * B)
    assert not values(big)[:32].any() and not values(big)[40:].any()


@pytest.mark.parametrize(
    ("op", "fn"),
    [("bitwise_and", np.bitwise_and), ("bitwise_xor", np.bitwise_xor), ("left_shift", np.left_shift)],
)
def test_bitvec_ops_are_bit_exact(core: Core, op: str, fn: object) -> None:
    a = np.array([[0x7FFFFFFF, -1, 5, 1 << 30]], np.int32)
    b = np.array([[0x0F0F0F0F, 3, 1, 1]], np.int32)
    out = fresh(core, (1, 4), "int32")
    run(core, "tensor_tensor", dst=out, data1=tile(core, a, "int32"), data2=tile(core, b, "int32"), op=op)
    np.testing.assert_array_equal(out.array, fn(a, b))  # type: ignore[operator]


def test_right_shift_is_logical(core: Core) -> None:
    out = fresh(core, (1, 1), "int32")
    run(core, "tensor_scalar", dst=out, data=tile(core, [[-8]], "int32"), op0="right_shift", operand0=1)
    assert out.array[0, 0] == 0x7FFFFFFC  # zeros shifted in, not the sign bit


def test_int32_arithmetic_is_exact_on_gpsimd(core: Core) -> None:
    big = np.array([[16777217, 2**31 - 2]], np.int32)
    out = fresh(core, (1, 2), "int32")
    run(
        core,
        "tensor_tensor",
        dst=out,
        data1=tile(core, big, "int32"),
        data2=tile(core, [[1, 5]], "int32"),
        op="add",
    )
    assert out.array.tolist() == [[16777218, 2**31 - 1]]  # exact, then saturated


def test_bitvec_needs_integers(core: Core) -> None:
    with pytest.raises(SimulationError, match="bitvec ops need integer dtypes"):
        run(
            core,
            "tensor_tensor",
            dst=fresh(core, (8, 16)),
            data1=tile(core, A),
            data2=tile(core, B),
            op="bitwise_or",
        )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"op0": "multiply", "operand0": 2.0}, A * 2),
        ({"op0": "subtract", "operand0": 1.0, "reverse0": True}, 1 - A),
        ({"op0": "add", "operand0": 1.0, "op1": "maximum", "operand1": 0.5}, np.maximum(A + 1, 0.5)),
        (
            {"op0": "subtract", "operand0": 3.0, "op1": "divide", "operand1": 2.0, "reverse1": True},
            2 / (A - 3),
        ),
        ({"op0": "abs", "operand0": None}, np.abs(A)),
        ({"op0": "reciprocal", "operand0": 0.0}, 1 / A),
    ],
)
def test_tensor_scalar(core: Core, kwargs: dict[str, object], expected: np.ndarray) -> None:
    out = fresh(core, (8, 16))
    run(core, "tensor_scalar", dst=out, data=tile(core, A), **kwargs)
    np.testing.assert_allclose(values(out), expected, rtol=1e-6)


def test_tensor_scalar_column_operand(core: Core) -> None:
    column = rand((8, 1), 3)
    out = fresh(core, (8, 16))
    run(core, "tensor_scalar", dst=out, data=tile(core, A), op0="multiply", operand0=tile(core, column))
    np.testing.assert_array_equal(values(out), A * column)


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"op0": "add", "operand0": 1.0, "op1": "add"}, "op1 iff operand1"),
        ({"op0": "add", "operand0": 1.0, "op1": "bitwise_or", "operand1": 1}, "op0/op1 same class"),
        ({"op0": "abs", "operand0": 2.0}, "unary op0 operand None/0"),
        ({"op0": "add", "operand0": 1.0, "engine": "gpsimd"}, "GpSimd rsqrt only"),
    ],
)
def test_tensor_scalar_rules(core: Core, kwargs: dict[str, object], rule: str) -> None:
    with pytest.raises(SimulationError, match=rule) as err:
        run(core, "tensor_scalar", dst=fresh(core, (8, 16)), data=tile(core, A), **kwargs)
    assert err.value.opcode == "tensor_scalar"


def test_square_op0_needs_trn3() -> None:
    from nki_sim import Machine

    core = Machine("trn2").cores[0]
    with pytest.raises(SimulationError, match="arch gating"):
        run(core, "tensor_scalar", dst=fresh(core, (8, 16)), data=tile(core, A), op0="square", operand0=None)


def test_scalar_tensor_tensor(core: Core) -> None:
    out = fresh(core, (8, 16))
    run(core, "scalar_tensor_tensor", dst=out, data=tile(core, A), op0="multiply", operand0=3.0, op1="add",
        operand1=tile(core, B))  # fmt: skip
    np.testing.assert_allclose(values(out), A * 3 + B, rtol=1e-6)


def test_reciprocal(core: Core) -> None:
    out = fresh(core, (8, 16))
    run(core, "reciprocal", dst=out, data=tile(core, A))
    np.testing.assert_allclose(values(out), 1 / A, rtol=1e-6)


def test_tensor_tensor_scan_matches_recurrence(core: Core) -> None:
    decay, x = rand((4, 10), 5, 0, 1), rand((4, 10), 6)
    initial = rand((4, 1), 7)
    out = fresh(core, (4, 10))
    run(core, "tensor_tensor_scan", dst=out, data0=tile(core, decay), data1=tile(core, x),
        initial=tile(core, initial), op0="multiply", op1="add")  # fmt: skip
    expected, r = np.empty_like(x), initial[:, 0]
    for i in range(10):
        r = decay[:, i] * r + x[:, i]
        expected[:, i] = r
    np.testing.assert_allclose(values(out), expected, rtol=1e-5)


def test_affine_select_causal_mask(core: Core) -> None:
    out = fresh(core, (4, 4))
    # keep element (p, f) when p - f >= 0
    run(core, "affine_select", dst=out, pattern=[[-1, 4]], channel_multiplier=1, on_true_tile=tile(core, np.ones((4, 4))),
        on_false_value=-3.4028235e38, cmp_op="greater_equal")  # fmt: skip
    expected = np.where(np.tril(np.ones((4, 4))) > 0, 1.0, np.float32(-3.4028235e38))
    np.testing.assert_array_equal(values(out), expected)


def test_iota_with_channel_multiplier(core: Core) -> None:
    out = fresh(core, (3, 2, 4), "int32")
    run(core, "iota", dst=out, pattern=[[10, 2], [1, 4]], offset=5, channel_multiplier=100)
    expected = 5 + 100 * np.arange(3)[:, None, None] + 10 * np.arange(2)[None, :, None] + np.arange(4)
    np.testing.assert_array_equal(out.array, expected)


def test_iota_pattern_must_cover_the_tile(core: Core) -> None:
    with pytest.raises(SimulationError, match="prod\\(pattern nums\\)"):
        run(core, "iota", dst=fresh(core, (3, 8), "int32"), pattern=[[1, 4]])
