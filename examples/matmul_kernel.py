"""A tiled matmul in NKI 0.6: C[M, N] = A_T.T @ B with A_T [K, M] and B [K, N] in HBM.

The contraction dimension K sits on the partitions; each [128, 128] x [128, 512] product accumulates
in one PSUM bank, then moves to SBUF and out to HBM.
"""

import nki
import nki.isa as nisa
import nki.language as nl


# nki: args a_t=bfloat16[256,256] b=bfloat16[256,1024]
@nki.jit
def matmul_kernel(a_t, b):
    K, M = a_t.shape
    _, N = b.shape
    TILE_K, TILE_M, TILE_N = 128, 128, 512
    assert K % TILE_K == 0 and M % TILE_M == 0 and N % TILE_N == 0, "shapes must be multiples of the tiles"
    c = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for m in range(M // TILE_M):
        for n in range(N // TILE_N):
            acc = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for k in range(K // TILE_K):
                lhs = nl.ndarray((TILE_K, TILE_M), dtype=a_t.dtype, buffer=nl.sbuf)
                rhs = nl.ndarray((TILE_K, TILE_N), dtype=b.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=lhs, src=a_t[k * TILE_K : (k + 1) * TILE_K, m * TILE_M : (m + 1) * TILE_M])
                nisa.dma_copy(dst=rhs, src=b[k * TILE_K : (k + 1) * TILE_K, n * TILE_N : (n + 1) * TILE_N])
                nisa.nc_matmul(dst=acc, stationary=lhs, moving=rhs, accumulate=k > 0)
            result = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(dst=result, src=acc)
            nisa.dma_copy(dst=c[m * TILE_M : (m + 1) * TILE_M, n * TILE_N : (n + 1) * TILE_N], src=result)
    return c
