"""Kernels for tests/simulator/test_plan.py (test data): the same tensor_tensor in a runtime loop and
unrolled, over an fp32 accumulator (one ufunc into place) and a bf16 tile (read through a conversion)."""

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def accumulate(a, b):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    acc = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.sbuf)
    y = nl.ndarray(b.shape, dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=acc, src=a)
    nisa.dma_copy(dst=y, src=b)

    def body(i):
        nisa.tensor_tensor(dst=acc, data1=acc, data2=y, op=nl.add)

    nl.fori_loop(0, 4, body)
    for _ in range(3):
        nisa.tensor_tensor(dst=acc, data1=acc, data2=y, op=nl.multiply)
    nisa.dma_copy(dst=out, src=acc)
    return out


@nki.jit
def overflow(a):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=x, src=a)
    nisa.tensor_tensor(dst=x, data1=x, data2=x, op=nl.multiply)
    nisa.tensor_scalar(dst=x, data=x, op0=nl.multiply, operand0=0.0)
    nisa.dma_copy(dst=out, src=x)
    return out


@nki.jit
def twice(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    nisa.dma_copy(dst=out, src=t)
    return out, out, a
