import nki
import nki.language as nl


# nki: args a_ptr=float32[128,512] b_ptr=float32[128,512]
@nki.jit
def add_kernel(a_ptr, b_ptr):
    a = nl.load(a_ptr)
    b = nl.load(b_ptr)
    result = nl.add(a, b)
    scaled = nl.multiply(result, 0.5)
    out = nl.ndarray(a_ptr.shape, dtype=a_ptr.dtype, buffer=nl.shared_hbm)
    nl.store(out, value=scaled)
    return out
