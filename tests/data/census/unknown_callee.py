"""A call of a function we cannot resolve (its module is absent) may write the tensors it is given and emit
instructions: the tile is not 'read before written' (NKI320) and the program is incomplete."""

from helpers_absent_from_this_checkout import fill

import nki
import nki.isa as nisa
import nki.language as nl


class Wrapper(nl.NKIObject):
    def __init__(self, tile):
        self.tile = tile


# nki: args x=float32[128,512]
@nki.jit
def unknown_helper_writes_its_arguments(x):
    tile = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    fill(tile)
    nisa.dma_copy(dst=x, src=tile)
    wrapped = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    fill(dst=[Wrapper(wrapped)])
    nisa.dma_copy(dst=x, src=wrapped)
