"""Control flow on Unknown values (`flag` has no fact): what the skipped code may have changed is Unknown
afterwards, so none of these asserts may fail (each failed with a false NKI218 before)."""

import nki
import nki.isa as nisa
import nki.language as nl


class Holder(nl.NKIObject):
    def __init__(self):
        self.value = None

    def fill(self, value):
        self.value = value


def pick(tile, flag):
    if flag:
        return tile
    else:
        return tile


def first_positive(values, flag):
    for value in flag:
        if value > 0:
            return value
    return None


# nki: args x=float32[128,512]
@nki.jit
def returns_under_unknown_test(x, flag):
    chosen = pick(x, flag)
    assert chosen is not None, "the helper returned on both branches"
    assert first_positive((1, 2), flag) is not None, "the loop may have returned"
    nisa.dma_copy(dst=x, src=x)


# nki: args x=float32[128,512]
@nki.jit
def names_bound_under_unknown_test(x, flag):
    size = None
    if flag:
        size = 128
    else:
        size = 256
    assert size is not None, "bound on both branches"
    parts = []
    for item in flag:
        parts.append(item)
    assert len(parts) == 2, "the loop may have appended"
    count = 0
    while flag:
        count += 1
        flag = False
    assert count == 1, "the loop may have counted"
    nisa.dma_copy(dst=x, src=x)


# nki: args x=float32[128,512]
@nki.jit
def fields_set_under_unknown_test(x, flag):
    holder = Holder()
    if flag:
        holder.fill(x)
    assert holder.value is not None, "fill may have run"
    other = Holder()
    if flag:
        other.value = 3
    assert other.value == 3, "the field may have been set"
    nisa.dma_copy(dst=x, src=x)


# nki: args x=float32[128,512]
@nki.jit
def tiles_written_under_unknown_test(x, flag):
    tile = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    for i in range(flag):
        nisa.memset(dst=tile[:, i : i + 1], value=0.0)
    other = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    if flag:
        nisa.memset(dst=other, value=0.0)
    nisa.dma_copy(dst=x, src=tile)
    nisa.dma_copy(dst=x, src=other)
