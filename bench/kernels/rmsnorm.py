"""RMSNorm over rows: out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps), fp32 out.

Rows go 128 at a time onto the partitions: the square activation sums each row into `reduce_res`, then
`rsqrt(sum / D + eps)` is one activation on the [128, 1] sums and a tensor_scalar multiplies the tile.
"""

import nki
import nki.isa as nisa
import nki.language as nl

ROWS = 128


@nki.jit
def rmsnorm(x, eps):
    R, D = x.shape
    assert R % ROWS == 0, "the row count must be a multiple of 128"
    out = nl.ndarray((R, D), dtype=nl.float32, buffer=nl.shared_hbm)
    for r in range(R // ROWS):
        tile = nl.ndarray((ROWS, D), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=tile, src=x[r * ROWS : (r + 1) * ROWS, :])
        squares = nl.ndarray((ROWS, D), dtype=nl.float32, buffer=nl.sbuf)
        sums = nl.ndarray((ROWS, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=squares, op=nl.square, data=tile, reduce_op=nl.add, reduce_res=sums,
                        reduce_cmd=nisa.reduce_cmd.reset_reduce)  # fmt: skip
        scale = nl.ndarray((ROWS, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=scale, op=nl.rsqrt, data=sums, scale=1.0 / D, bias=eps)
        normed = nl.ndarray((ROWS, D), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=normed, data=tile, op0=nl.multiply, operand0=scale)
        nisa.dma_copy(dst=out[r * ROWS : (r + 1) * ROWS, :], src=normed)
    return out
