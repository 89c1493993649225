import nki
import nki.language as nl


# nki: args x=float32[128,256] row=float32[1,256]
@nki.jit
def elementwise_kernel(x, row):
    t = nl.load(x)
    r = nl.load(row)
    wide = nl.broadcast_to(r, shape=(128, 256))
    a = nl.sqrt(nl.abs(t))
    b = nl.negative(a)
    c = nl.maximum(b, wide)
    d = nl.multiply(c, 3.0)
    e = nl.subtract(1.0, d)
    col = nl.sum(e, axis=1, keepdims=True)
    f = nl.add(e, col)
    g = nl.tanh(f, dtype=nl.bfloat16)
    out = nl.ndarray((128, 256), dtype=nl.bfloat16, buffer=nl.shared_hbm)
    nl.store(out, value=g)
    return out
