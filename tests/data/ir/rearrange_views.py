import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,24] h=float32[4,6,8]
@nki.jit
def rearrange_kernel(x, h):
    t = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    swapped = t.rearrange(("b", ("h", "w")), ("b", "w", "h"), {"h": 4})
    split = t.rearrange(("p", ("a", "b", "c")), ("p", "c", ("a", "b")), {"a": 2, "c": 3})
    merged = t.rearrange(("p", ("h", "w")), ("p", ("h", "w")), {"w": 6})
    u = nl.ndarray((128, 6, 4), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=u, src=swapped)
    v = nl.ndarray((128, 3, 8), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=v, src=split)
    w = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=w, src=u.rearrange(("p", "w", "h"), ("p", ("w", "h"))))
    rows = h.rearrange(("a", "b", "c"), ("b", "a", "c"))
    r = nl.ndarray((6, 4, 8), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=r, src=rows)
    flat = h.rearrange(("a", "b", ("c0", "c1")), (("a", "b", "c0"), "c1"), {"c1": 2})
    print(swapped.shape, swapped.get_pattern(), split.get_pattern(), merged.shape, rows.shape, flat.get_pattern())
    out = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=w)
    return out
