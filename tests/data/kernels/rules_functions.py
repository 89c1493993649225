"""NKI009, NKI017, NKI022, NKI212, NKI217: function definitions in kernel scope."""
import functools

import nki
import nki.isa as nisa
import nki.language as nl


def total(*dims):  # <-- NKI017
    return len(dims)


def options(**extra):  # <-- NKI017
    return extra


@functools.lru_cache  # <-- NKI022
def cached(n):
    return n


def levels(n):
    return 1 + levels(n // 2) if n > 1 else 0  # <-- NKI212


def ping(n):
    return pong(n - 1) if n > 0 else 0  # <-- NKI212


def pong(n):
    return ping(n)  # <-- NKI212


def build():
    @nki.jit  # <-- NKI217
    def inner(a):
        pass

    return inner


def host_only(*args, **kwargs):
    # not reached from a kernel: never flagged
    return args, kwargs


@nki.jit
def kernel(a):
    def twice(n):  # <-- NKI009
        return 2 * n

    t = nl.ndarray((1, 512), dtype=nl.float32, buffer=nl.sbuf)

    def body(i):
        nisa.dma_copy(dst=t, src=a.ap([[512, 1], [1, 512]], scalar_offset=i, indirect_dim=0))

    nl.fori_loop(0, 4, body)
    n = twice(total(1, 2)) + cached(3) + levels(8) + ping(2)
    o = options(x=1)
    return a
