"""Kernels for tests/simulator/test_release.py and test_blas.py (test data): a tile per row block, an
accumulator used before, inside and after a runtime loop, one matmul."""

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def scaled_rows(x):
    R, D = x.shape
    out = nl.ndarray((R, D), dtype=nl.float32, buffer=nl.shared_hbm)
    for r in range(R // 32):
        tile = nl.ndarray((32, D), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=tile, src=x[r * 32 : (r + 1) * 32, :])
        squares = nl.ndarray((32, D), dtype=nl.float32, buffer=nl.sbuf)
        sums = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=squares, op=nl.square, data=tile, reduce_op=nl.add, reduce_res=sums,
                        reduce_cmd=nisa.reduce_cmd.reset_reduce)  # fmt: skip
        scaled = nl.ndarray((32, D), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=scaled, data=tile, op0=nl.multiply, operand0=sums)
        nisa.dma_copy(dst=out[r * 32 : (r + 1) * 32, :], src=scaled)
    return out


@nki.jit
def looped(a):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    acc = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=acc, src=a)

    def body(i):
        nisa.tensor_tensor(dst=acc, data1=acc, data2=acc, op=nl.add)

    nl.fori_loop(0, 3, body)
    nisa.tensor_scalar(dst=acc, data=acc, op0=nl.add, operand0=1.0)
    nisa.dma_copy(dst=out, src=acc)
    return out


@nki.jit
def small_matmul(a_t, b):
    K, M = a_t.shape
    _, N = b.shape
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    lhs = nl.ndarray((K, M), dtype=a_t.dtype, buffer=nl.sbuf)
    rhs = nl.ndarray((K, N), dtype=b.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=lhs, src=a_t)
    nisa.dma_copy(dst=rhs, src=b)
    acc = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=lhs, moving=rhs)
    res = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=res, src=acc)
    nisa.dma_copy(dst=out, src=res)
    return out
