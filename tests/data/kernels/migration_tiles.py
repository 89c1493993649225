"""NKI5xx: Beta-1 tiles: value-returning ISA calls, index grids, masks and legacy allocation."""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def tiles(a, b):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]  # <-- NKI539
    i_f = nl.arange(512)[None, :]  # <-- NKI539
    x = nl.load(a[i_p, i_f])
    y = nisa.activation(op=nl.exp, data=x)  # <-- NKI401
    z = nisa.tensor_copy(y, dtype=nl.bfloat16)  # <-- NKI401 NKI553
    m = nisa.nc_matmul(x, y)  # <-- NKI401
    s = nisa.memset((128, 512), 0.0, nl.float32)  # <-- NKI554
    buf = nl.ndarray((nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI547
    blocks = nl.ndarray((4, nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI547
    w = nl.square(x, mask=(i_p < 64))  # <-- NKI540
    nl.store(out[i_p, i_f], value=w, mask=(i_p < 64) & (i_f < 256))  # <-- NKI540
    q, r = nl.mgrid[0:128, 0:512]  # <-- NKI539
    nl.store(out[q, r], value=x)
    nisa.dma_copy(dst=out, src=x)
    return out
