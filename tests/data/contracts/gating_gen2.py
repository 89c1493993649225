import nki
import nki.isa as nisa
import nki.language as nl


# target: gen2
# nki: args a=float32[128,512] b=float8_e4m3[128,128]
@nki.jit
def needs_v3(a, b):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a, dge_mode=nisa.dge_mode.hwdge)  # <-- NKI416
    bounds = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=bounds, value=0.0)
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.range_select(  # <-- NKI416
        dst=out, on_true_tile=t, comp_op0=nl.greater_equal, comp_op1=nl.less, bound0=bounds, bound1=bounds
    )
    nisa.activation(dst=out, op=nl.exp, data=t, bias=1.0)  # <-- NKI416
    w = nl.ndarray((128, 128), dtype=nl.float8_e4m3, buffer=nl.sbuf)
    nisa.dma_copy(dst=w, src=b)
    acc = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=w, moving=w, perf_mode=nisa.matmul_perf_mode.double_row)  # <-- NKI416
    nisa.tensor_tensor(dst=out, data1=t, data2=t, op=nl.add)
    return a
