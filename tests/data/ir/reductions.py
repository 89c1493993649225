import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,4,64]
@nki.jit
def reduce_kernel(x):
    t = nl.load(x)
    total = nl.sum(t, axis=2)
    peak = nl.max(t, axis=(1, 2), keepdims=True)
    low = nl.min(t, axis=-1)
    col = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_reduce(dst=col, op=nl.add, data=t, axis=(1, 2), keepdims=False)
    shifted = nl.ndarray((128, 4, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.activation(dst=shifted, op=nl.exp, data=t, bias=peak, scale=-1.0)
    out = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, value=nl.add(total, low))
    return out
