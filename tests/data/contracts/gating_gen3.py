import nki
import nki.isa as nisa
import nki.language as nl


# target: gen3
# nki: args a=float32[128,512] idx=int32[128,4]
@nki.jit
def needs_v4(a, idx):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a, dge_mode=nisa.dge_mode.hwdge)
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.exponential(dst=out, src=t)  # <-- NKI416
    nisa.tensor_tensor(dst=out, data1=t, data2=t, op=nl.abs_max)  # <-- NKI416
    m = nl.abs_min(t, out)  # <-- NKI416
    nisa.tensor_scalar(dst=out, data=t, op0=nl.square, operand0=0.0)  # <-- NKI416
    nisa.dma_copy(dst=out, src=a, priority=1)  # <-- NKI416
    i = nl.ndarray((128, 4), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    g = t.indirect(i)  # <-- NKI416
    nisa.tensor_tensor(dst=out, data1=t, data2=out, op=nl.maximum)
    nisa.tensor_copy(dst=out, src=t, engine=nisa.engine.scalar)
    return a
