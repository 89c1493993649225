import nki
import nki.isa as nisa
import nki.language as nl


# nki: args lhs_t=bfloat16[384,128] rhs=bfloat16[384,512]
@nki.jit
def accumulate_kernel(lhs_t, rhs):
    k_tiles = lhs_t.shape[0] // 128
    acc = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    for k in nl.affine_range(k_tiles):
        stat = nl.ndarray((128, 128), dtype=nl.bfloat16, buffer=nl.sbuf)
        mov = nl.ndarray((128, 512), dtype=nl.bfloat16, buffer=nl.sbuf)
        nisa.dma_copy(dst=stat, src=lhs_t[k * 128:(k + 1) * 128, :])
        nisa.dma_copy(dst=mov, src=rhs[k * 128:(k + 1) * 128, :])
        nisa.nc_matmul(dst=acc, stationary=stat, moving=mov, accumulate=(k > 0))
    res = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=res, src=acc)
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=res)
    return out
