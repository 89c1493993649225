import nki
import nki.language as nl


# nki: args a=bfloat16[64,128] b=bfloat16[128,256] c=float32[128,64]
@nki.jit
def transpose_matmul_kernel(a, b, c):
    at = nl.load(a)
    bt = nl.load(b)
    prod = nl.matmul(at, bt)
    ct = nl.load_transpose2d(c)
    flipped = nl.transpose(nl.load(c))
    out = nl.ndarray((64, 256), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, value=nl.copy(prod))
    print(ct.shape, flipped.shape, flipped.buffer)
    return out
