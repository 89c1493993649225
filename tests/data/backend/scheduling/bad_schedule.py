import nki
import nki.isa as nisa
import nki.language as nl


# nki: args a_ptr=float32[128,512]
@nki.jit
def bad_kernel(a_ptr):
    a = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=a_ptr, name="load")
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=a, name="store")
    return out


EDGES = [("store", "load")]
computed = [(name, "load") for name in ("store",)]

good = bad_kernel.with_schedule(EDGES)
not_static = bad_kernel.with_schedule(computed)
unknown = bad_kernel.with_schedule([
    ("store", "lod"),  # <-- NKI417
    ("store", ["load"]),
    ("store", 3),  # <-- NKI417
    ("store",),  # <-- NKI417
])
