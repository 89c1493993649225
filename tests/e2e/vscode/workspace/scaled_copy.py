"""Kernel opened by the VS Code end-to-end test: two problems (one with a quick fix), known shapes."""

import nki
import nki.isa as nisa
import nki.language as nl


def scale_of(n):
    import math  # not valid NKI: the quick fix moves it to module level

    return math.sqrt(n)


# nki: args a=float32[128,512]
@nki.jit
def scaled_copy(a):
    sizes = [d * 2 for d in a.shape]  # not valid NKI either (no fix offered)
    assert len(sizes) == 2
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    tile = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=a)
    nisa.activation(dst=tile, op=nl.copy, data=tile, scale=scale_of(4))
    nisa.dma_copy(dst=out, src=tile)
    return out
