import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,64]
@nki.jit
def fills_kernel(x):
    z = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    o = nl.ones((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    f = nl.full((128, 1), 2.5, dtype=nl.float32, buffer=nl.sbuf)
    like = nl.zeros_like(z)
    empty = nl.empty_like(o)
    idx = nl.ndarray((128, 64), dtype=nl.int32, buffer=nl.sbuf)
    nisa.iota(dst=idx, pattern=[[1, 64]], offset=0, channel_multiplier=64)
    nisa.memset(dst=empty, value=0.0)
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    nisa.tensor_scalar(dst=like, data=t, op0=nl.multiply, operand0=f)
    nisa.tensor_tensor(dst=z, data1=like, data2=o, op=nl.add)
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=z)
    return out
