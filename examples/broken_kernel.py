"""A kernel with Python that NKI does not accept: `nki-ls --check` reports every problem at once."""

import nki
import nki.isa as nisa
import nki.language as nl


def scale_of(n):
    import math  # imports belong at module level

    return math.sqrt(n)


@nki.jit
def broken_kernel(a):
    try:
        depth = a.shape[2]
    except IndexError:
        depth = 1
    sizes = [d * 2 for d in a.shape]
    if depth > 4:
        raise ValueError("too deep")
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    tile = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=a)
    nisa.activation(dst=tile, op=nl.copy, data=tile, scale=scale_of(sizes[0]))
    nisa.dma_copy(dst=out, src=tile)
    return out
