import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,512]
@nki.jit
def failing_assert(x):
    n = x.shape[1]
    assert n % 256 == 0
    assert n <= 256, f"free size {n} is too large"  # <-- NKI218
    nisa.dma_copy(dst=x, src=x)


# nki: args n=3
@nki.jit
def endless(n):
    i = 0
    while i < n + 1:  # <-- NKI219
        i = i * 1


def recurse(k):
    return recurse(k + 1)  # <-- NKI219


# nki: args n=3
@nki.jit
def deep(n):
    return recurse(n)


@nki.jit
def unknown_facts(x, y):
    t = nl.ndarray((x.shape[0] * 4, 512), dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x[0:1000, :])
    assert x.shape[0] == 7, "not checked: unknown"
    return y
