"""NKI109, NKI110, NKI112, NKI113, NKI114, NKI216, and NKI102/NKI104 as kernel arguments."""
import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def copy_tile(dst, src):
    nisa.dma_copy(dst=dst, src=src)


def helper(x, y, scale=1.0):
    return x


@nki.jit
def kernel(a):
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    copy_tile(t, a)  # <-- NKI109
    copy_tile[2](t, a)  # <-- NKI109 NKI110
    nisa.dma_copy(dst=t, source=a)  # <-- NKI113 NKI114
    nisa.tensor_tensor(dst=t, data1=t, data2=t)  # <-- NKI114
    helper(1)  # <-- NKI114
    helper(1, 2, 3, 4)  # <-- NKI114
    helper(1, 2, scal=3.0)  # <-- NKI113
    helper(1, 2, scale=3.0)
    return a


@nki.jit
def empty():
    pass


x = np.zeros((256, 512), np.float32)
r1 = empty()  # <-- NKI112
r2 = kernel[2, 2](x)  # <-- NKI216
r3 = kernel[2](x)
r4 = kernel[1, 2](x)  # <-- NKI216
r5 = kernel[3](x)  # <-- NKI216
r6 = kernel(x, 4294967296, np.float32)  # <-- NKI102 NKI104
r7 = kernel(x)
