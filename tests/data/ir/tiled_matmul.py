import nki
import nki.isa as nisa
import nki.language as nl

TILE_K = nl.tile_size.pmax


# nki: args lhsT=bfloat16[256,128] rhs=bfloat16[256,1024]
@nki.jit
def tiled_matmul(lhsT, rhs):
    K, M = lhsT.shape
    _, N = rhs.shape
    TILE_N = nl.tile_size.gemm_moving_fmax
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    for n in range(N // TILE_N):
        acc = nl.ndarray((M, TILE_N), nl.float32, buffer=nl.psum)
        for k in range(K // TILE_K):
            a = nl.ndarray((TILE_K, M), dtype=lhsT.dtype, buffer=nl.sbuf)
            b = nl.ndarray((TILE_K, TILE_N), dtype=rhs.dtype, buffer=nl.sbuf)
            nisa.dma_copy(dst=a, src=lhsT[k * TILE_K:(k + 1) * TILE_K, :])
            nisa.dma_copy(dst=b, src=rhs[nl.ds(k * TILE_K, TILE_K), nl.ds(n * TILE_N, TILE_N)])
            nisa.nc_matmul(dst=acc, stationary=a, moving=b, accumulate=k > 0)
        out = nl.ndarray(acc.shape, dtype=result.dtype, buffer=nl.sbuf)
        nisa.tensor_copy(dst=out, src=acc)
        nisa.dma_copy(dst=result[:, n * TILE_N:(n + 1) * TILE_N], src=out)
    return result
