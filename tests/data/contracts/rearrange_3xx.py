import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,24] h=float32[4,6,8]
@nki.jit
def rearrange_contracts(x, h):
    t = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    fine = t.rearrange(("b", ("h", "w")), ("b", "w", "h"), {"h": 4})
    inferred = t.rearrange(("b", ("h", "w")), ("b", ("h", "w")), {"w": 6})
    both = t.rearrange(("b", ("h", "w")), ("b", "w", "h"))  # <-- NKI313
    wrong = t.rearrange(("b", ("h", "w")), ("b", "w", "h"), {"h": 5})  # <-- NKI313
    over = t.rearrange(("b", ("h", "w")), ("b", "w", "h"), {"h": 4, "w": 4})  # <-- NKI313
    fixed_whole = t.rearrange(("b", "c"), ("b", "c"), {"c": 12})  # <-- NKI313
    missing = t.rearrange(("b", "c"), ("b", "d"))  # <-- NKI313
    dropped = t.rearrange(("b", ("h", "w")), ("b", "h"), {"h": 4})  # <-- NKI313
    twice = t.rearrange(("b", "b"), ("b", "b"))  # <-- NKI313
    rank = t.rearrange(("b",), ("b",))  # <-- NKI313
    scattered = fine.rearrange(("b", "w", "h"), ("b", ("w", "h")))  # <-- NKI313
    partition_moved = t.rearrange(("b", "c"), ("c", "b"))  # <-- NKI312
    partition_split = t.rearrange((("p", "q"), "c"), ("p", "q", "c"), {"p": 64})  # <-- NKI312
    partition_merged = t.rearrange(("b", "c"), (("b", "c"),))  # <-- NKI312
    not_names = t.rearrange(("b", 3), ("b", 3))  # <-- NKI313
    bad_size = t.rearrange(("b", ("h", "w")), ("b", "h", "w"), {"h": 0})  # <-- NKI313
    hbm_free = h.rearrange(("a", "b", "c"), ("c", "a", "b"))
    hbm_merge = h.rearrange(("a", "b", "c"), (("a", "b"), "c"))
    unused_fixed = h.rearrange(("a", "b", "c"), ("a", "b", "c"), {"z": 3})
    return x
