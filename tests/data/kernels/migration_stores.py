"""NKI316 in the front end: Beta-1 stores `t[ix] = <tensor-producing call>` become `dst=` writes."""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def stores(a, b):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    y = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    x[0:128, 0:512] = nl.load(a)  # <-- NKI316
    y[...] = nl.load(b)  # <-- NKI316
    x[...] = nl.add(x, y)  # <-- NKI316
    y[...] = nl.exp(x)  # <-- NKI316
    x[...] = nl.copy(y)  # <-- NKI316
    y[...] = nl.add(x, y, dtype=nl.float32)  # <-- NKI316
    x[...] = nisa.tensor_tensor(y, x, op=nl.multiply)  # <-- NKI316
    nisa.dma_copy(dst=out, src=x)
    return out


@nki.jit
def not_certainly_tensors(a):
    out = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.shared_hbm)
    ids = nl.ndarray((1, 4), dtype=nl.int32, buffer=nl.sbuf)
    sizes = [0, 0]
    sizes[0] = nl.program_id(0)
    sizes[1] = len(a.shape)
    nisa.memset(dst=ids, value=0)
    nisa.dma_copy(dst=out[0:1, 0:4], src=ids)
    return out


@nki.jit
def random_tile():
    out = nl.ndarray((32, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    noise = nl.rand((32, 128))  # <-- NKI114
    nisa.dma_copy(dst=out, src=noise)
    return out
