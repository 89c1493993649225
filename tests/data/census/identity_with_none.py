"""`tensor is None` / `is not None` is decided by identity (it tested Unknown and dropped the branch)."""

import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,512]
@nki.jit
def tensor_identity_with_none(x):
    bias = None
    if x is not None:
        nisa.dma_copy(dst=x, src=x)
    if x is None:
        nisa.dma_copy(dst=x, src=x)
    if bias is not None:
        nisa.dma_copy(dst=x, src=x)
    tile = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    missing = tile is None
    if tile is not None and not missing:
        nisa.dma_copy(dst=tile, src=x)
