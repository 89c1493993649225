from __future__ import annotations

import math

import numpy as np
import pytest

from nki_sim import Machine, SimulationError
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, rand, run, tile, values

X = rand((8, 32), 1)


def exact(fn_name: str, x: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    erf = np.vectorize(math.erf)
    table = {
        "exp": np.exp(x64), "tanh": np.tanh(x64), "sigmoid": 1 / (1 + np.exp(-x64)), "relu": np.maximum(x64, 0),
        "silu": x64 / (1 + np.exp(-x64)), "gelu": 0.5 * x64 * (1 + erf(x64 / math.sqrt(2))),
        "square": x64**2, "copy": x64, "softplus": np.log1p(np.exp(x64)), "erf": erf(x64), "sin": np.sin(x64),
    }  # fmt: skip
    return table[fn_name].astype(np.float32)


@pytest.mark.parametrize(
    "op", ["exp", "tanh", "sigmoid", "relu", "silu", "gelu", "square", "copy", "softplus", "erf", "sin"]
)
def test_activation_functions(core: Core, op: str) -> None:
    out = fresh(core, (8, 32))
    run(
        core,
        "activation",
        dst=out,
        op=op,
        data=tile(core, X),
        scale=0.5,
        bias=tile(core, np.full((8, 1), 0.25)),
    )
    np.testing.assert_allclose(values(out), exact(op, X * 0.5 + 0.25), rtol=2e-6, atol=1e-7)


def test_sin_has_no_range_reduction(core: Core) -> None:
    out = fresh(core, (1, 3))
    run(core, "activation", dst=out, op="sin", data=tile(core, [[9.0, -9.0, 3.0]]))
    np.testing.assert_allclose(values(out)[0], [27.65, -27.65, math.sin(3.0)], atol=0.01)


def test_activation_reduce_chain_and_alias(core: Core) -> None:
    res = fresh(core, (8, 1))
    run(core, "activation", dst=fresh(core, (8, 32)), op="copy", data=tile(core, X), reduce_op="add",
        reduce_cmd="reset_reduce")  # fmt: skip
    run(core, "activation", dst=fresh(core, (8, 32)), op="copy", data=tile(core, X), reduce_op="add",
        reduce_cmd="reduce", reduce_res=res)  # fmt: skip
    np.testing.assert_allclose(values(res)[:, 0], 2 * X.sum(axis=1), rtol=1e-5)
    inplace = tile(core, np.ones((8, 1)))
    run(core, "activation", dst=inplace, op="exp", data=tile(core, np.zeros((8, 1))), reduce_cmd="reset_reduce",
        reduce_op="add", reduce_res=inplace)  # fmt: skip
    assert np.all(values(inplace) == 1.0)


def test_activation_scalar_bias_needs_trn2() -> None:
    core = Machine("trn1").cores[0]
    with pytest.raises(SimulationError, match="arch gating"):
        run(core, "activation", dst=fresh(core, (8, 32)), op="exp", data=tile(core, X), bias=1.0)


def test_activation_reduce_max(core: Core) -> None:
    res = fresh(core, (8, 1))
    run(core, "activation_reduce", dst=fresh(core, (8, 32)), op="copy", data=tile(core, X), reduce_op="maximum",
        reduce_res=res)  # fmt: skip
    np.testing.assert_array_equal(values(res)[:, 0], X.max(axis=1))


def test_activate2(core: Core) -> None:
    out, res = fresh(core, (8, 32)), fresh(core, (8, 1))
    run(core, "activate2", dst=out, op="prelu", data=tile(core, X), imm0=2.0, imm1=1.0, op0="multiply", op1="subtract",
        relu_param=0.1, reduce_op="maximum", reduce_cmd="reset_reduce", reduce_res=res)  # fmt: skip
    v = X * 2 - 1
    expected = np.where(v >= 0, v, 0.1 * v)
    np.testing.assert_allclose(values(out), expected, rtol=1e-6)
    np.testing.assert_allclose(values(res)[:, 0], expected.max(axis=1), rtol=1e-6)
    with pytest.raises(SimulationError, match="activate2 pairs"):
        run(
            core,
            "activate2",
            dst=out,
            op="copy",
            data=tile(core, X),
            imm0=1.0,
            imm1=1.0,
            op0="add",
            op1="add",
        )


def test_tensor_scalar_reduce_chains_in_the_vector_accumulator(core: Core) -> None:
    res = fresh(core, (8, 1))
    out = fresh(core, (8, 32))
    run(
        core,
        "tensor_scalar_reduce",
        dst=out,
        data=tile(core, X),
        op0="multiply",
        operand0=2.0,
        reduce_op="add",
    )
    run(core, "tensor_scalar_reduce", dst=out, data=tile(core, X), op0="multiply", operand0=1.0, reduce_op="add",
        reduce_cmd="reduce", reduce_res=res, reduce_res_negate=True)  # fmt: skip
    np.testing.assert_allclose(values(res)[:, 0], -3 * X.sum(axis=1), rtol=1e-5)
    run(core, "tensor_scalar_reduce", dst=out, data=tile(core, X), op0="add", operand0=0.0, reduce_op="maximum",
        reduce_cmd="load_reduce", reduce_init=100.0, reduce_res=res)  # fmt: skip
    assert np.all(values(res) == 100.0)


def test_tensor_scalar_cumulative(core: Core) -> None:
    out = fresh(core, (8, 32))
    run(core, "tensor_scalar_cumulative", dst=out, src=tile(core, X), op0="multiply", op1="add", imm0=2.0)
    np.testing.assert_allclose(values(out), np.cumsum(2 * X, axis=1), rtol=1e-5, atol=1e-5)
    run(core, "tensor_scalar_cumulative", dst=out, src=tile(core, X), op0="add", op1="maximum", imm0=0.0,
        imm1=0.5, reduce_cmd="load_reduce")  # fmt: skip
    np.testing.assert_array_equal(values(out), np.maximum.accumulate(np.maximum(X, 0.5), axis=1))


def test_exponential_with_running_sum(core: Core) -> None:
    out, res = fresh(core, (8, 32)), fresh(core, (8, 1))
    row_max = tile(core, X.max(axis=1, keepdims=True))
    run(
        core,
        "exponential",
        dst=out,
        src=tile(core, X),
        max_value=row_max,
        reduce_cmd="reset_reduce",
        reduce_res=res,
    )
    expected = np.exp(X - X.max(axis=1, keepdims=True))
    np.testing.assert_allclose(values(out), expected, rtol=1e-6)
    np.testing.assert_allclose(values(res)[:, 0], expected.sum(axis=1), rtol=1e-5)


def test_range_select(core: Core) -> None:
    out, res = fresh(core, (2, 8)), fresh(core, (2, 1))
    lo, hi = tile(core, [[2.0], [0.0]]), tile(core, [[5.0], [3.0]])
    data = np.arange(16, dtype=np.float32).reshape(2, 8)
    run(core, "range_select", dst=out, on_true_tile=tile(core, data), comp_op0="greater_equal", comp_op1="less",
        bound0=lo, bound1=hi, reduce_res=res)  # fmt: skip
    fill = np.float32(-3.4028235e38)
    assert values(out)[0].tolist() == [fill, fill, 2, 3, 4, fill, fill, fill]
    assert values(res)[:, 0].tolist() == [4.0, 10.0]


def test_select_reduce(core: Core) -> None:
    out, res = fresh(core, (2, 4)), fresh(core, (2, 1))
    pred = tile(core, [[1, 0, 1, 0], [0, 0, 0, 1]], "uint8")
    run(core, "select_reduce", dst=out, predicate=pred, on_true=tile(core, np.arange(8).reshape(2, 4)), on_false=-1.0,
        reduce_cmd="reset_reduce", reduce_res=res)  # fmt: skip
    assert values(out).tolist() == [[0, -1, 2, -1], [-1, -1, -1, 7]]
    assert values(res)[:, 0].tolist() == [2.0, 7.0]
