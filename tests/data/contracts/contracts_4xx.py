import nki
import nki.isa as nisa
import nki.language as nl


# nki: args a=bfloat16[128,256] b=bfloat16[128,1024]
@nki.jit
def matmuls(a, b):
    sa = nl.ndarray((128, 256), dtype=nl.bfloat16, buffer=nl.sbuf)
    sb = nl.ndarray((128, 1024), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=sa, src=a)
    nisa.dma_copy(dst=sb, src=b)
    ps = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=ps, stationary=sa, moving=sb[:, 0:512])  # <-- NKI402
    nisa.nc_matmul(dst=ps, stationary=sa[:, 0:128], moving=sb)  # <-- NKI402
    nisa.nc_matmul(dst=sa, stationary=sa[:, 0:128], moving=sb[:, 0:512])  # <-- NKI402
    bf = nl.ndarray((128, 512), dtype=nl.bfloat16, buffer=nl.psum)
    nisa.nc_matmul(dst=bf, stationary=sa[:, 0:128], moving=sb[:, 0:512])  # <-- NKI403
    nisa.nc_matmul(dst=ps, stationary=sa[:, 0:128], moving=sb[:, 0:512], tile_position=(0, 0))  # <-- NKI404
    fresh = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=fresh, stationary=sa[:, 0:128], moving=sb[:, 0:512], accumulate=True)  # <-- NKI406
    for k in range(2):
        nisa.nc_matmul(dst=ps, stationary=sa[:, 0:128], moving=sb[:, 0:512], accumulate=k > 0)
    return a


# nki: args a=float32[128,512] idx=int32[1,4]
@nki.jit
def others(a, idx):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a, oob_mode=nisa.oob_mode.skip)  # <-- NKI415
    nisa.dma_copy(dst=t, src=a, engine=nisa.engine.sync)  # <-- NKI418
    nisa.dma_copy(dst=t, src=a, engine=nisa.engine.sync, dge_mode=nisa.dge_mode.hwdge)
    bias = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=bias, value=0.0)
    nisa.activation(dst=t, op=nl.exp, data=t, bias=bias)  # <-- NKI414
    reg = nisa.register_alloc(0)
    nisa.register_load(reg, t)  # <-- NKI413
    x = nisa.tensor_copy(t, t)
    nisa.tensor_copy(dst=t, src=x)  # <-- NKI401
    y = nl.power(t, 2.0)  # <-- NKI409
    nl.random_seed(7)  # <-- NKI411
    s = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=s, value=1.0)
    z = nl.add(t, s)  # <-- NKI412
    col = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=col, value=1.0)
    w = nl.add(t, col)
    return a
