"""NKI5xx: deprecated range aliases and Python-style runtime loops."""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def loops(a):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    for i in nl.affine_range(4):  # <-- NKI503
        for j in nl.sequential_range(0, 8, 1):  # <-- NKI504
            for q in nl.static_range(2, 8, 2):  # <-- NKI505
                pass
    for i in nl.dynamic_range(2, 10, 2):  # <-- NKI501
        t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=a[0:128, 0:512])
        nisa.dma_copy(dst=out[0:128, 0:512], src=t)
    cond = nisa.register_alloc(1)
    while cond:  # <-- NKI502
        nisa.register_load(cond, a[0:1, 0:1])
    for k in range(3):
        pass
    return out


def build_grid(n):
    return [i for i in nl.affine_range(n)]  # <-- NKI503
