import nki
import nki.isa as nisa
import nki.language as nl


# target: gen2
# nki: args a=float32[128,512]
@nki.jit
def gen2(a):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    nisa.tensor_copy(dst=t, src=t, engine=nisa.engine.scalar)  # <-- NKI416
    return a
