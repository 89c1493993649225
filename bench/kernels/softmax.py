"""Row softmax: out[r, :] = exp(x[r, :] - max(x[r, :])) / sum(exp(x[r, :] - max(x[r, :]))), fp32 out.

Rows go 128 at a time onto the partitions: the negated row max becomes the activation bias, the exp
activation sums each row into `reduce_res`, and the reciprocal of the sums scales the tile.
"""

import nki
import nki.isa as nisa
import nki.language as nl

ROWS = 128


@nki.jit
def row_softmax(x):
    R, D = x.shape
    assert R % ROWS == 0, "the row count must be a multiple of 128"
    out = nl.ndarray((R, D), dtype=nl.float32, buffer=nl.shared_hbm)
    for r in range(R // ROWS):
        tile = nl.ndarray((ROWS, D), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=tile, src=x[r * ROWS : (r + 1) * ROWS, :])
        neg_max = nl.ndarray((ROWS, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_reduce(dst=neg_max, op=nl.maximum, data=tile, axis=1, negate=True, keepdims=True)
        exps = nl.ndarray((ROWS, D), dtype=nl.float32, buffer=nl.sbuf)
        sums = nl.ndarray((ROWS, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=exps, op=nl.exp, data=tile, bias=neg_max, reduce_op=nl.add, reduce_res=sums,
                        reduce_cmd=nisa.reduce_cmd.reset_reduce)  # fmt: skip
        inverse = nl.ndarray((ROWS, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.reciprocal(dst=inverse, data=sums)
        nisa.tensor_scalar(dst=exps, data=exps, op0=nl.multiply, operand0=inverse)
        nisa.dma_copy(dst=out[r * ROWS : (r + 1) * ROWS, :], src=exps)
    return out
