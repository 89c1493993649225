"""Tiled matmul: C[M, N] (fp32) = A_T.T @ B for A_T [K, M] and B [K, N] in HBM.

K sits on the partitions; each [128, 128] x [128, 512] product accumulates over K in one PSUM tile,
which is copied to SBUF and stored to HBM. The stationary A_T tiles of one row block are loaded once.
"""

import nki
import nki.isa as nisa
import nki.language as nl

TILE_K = 128
TILE_M = 128
TILE_N = 512


@nki.jit
def tiled_matmul(a_t, b):
    K, M = a_t.shape
    _, N = b.shape
    assert K % TILE_K == 0 and M % TILE_M == 0 and N % TILE_N == 0, "shapes must be multiples of the tiles"
    c = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for m in range(M // TILE_M):
        lhs = nl.ndarray((TILE_K, K // TILE_K * TILE_M), dtype=a_t.dtype, buffer=nl.sbuf)
        for k in range(K // TILE_K):
            nisa.dma_copy(
                dst=lhs[:, k * TILE_M : (k + 1) * TILE_M],
                src=a_t[k * TILE_K : (k + 1) * TILE_K, m * TILE_M : (m + 1) * TILE_M],
            )
        for n in range(N // TILE_N):
            acc = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for k in range(K // TILE_K):
                rhs = nl.ndarray((TILE_K, TILE_N), dtype=b.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=rhs, src=b[k * TILE_K : (k + 1) * TILE_K, n * TILE_N : (n + 1) * TILE_N])
                nisa.nc_matmul(
                    dst=acc, stationary=lhs[:, k * TILE_M : (k + 1) * TILE_M], moving=rhs, accumulate=k > 0
                )
            out = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(dst=out, src=acc)
            nisa.dma_copy(dst=c[m * TILE_M : (m + 1) * TILE_M, n * TILE_N : (n + 1) * TILE_N], src=out)
    return c
