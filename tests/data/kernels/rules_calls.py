"""NKI026, NKI027, NKI028, NKI104, NKI202, NKI215, NKI903: library and builtin calls in kernels."""
import math

import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl


def host_setup():
    # host code: numpy and any builtin are fine here
    return np.zeros((4, 4)), sorted([3, 1]), math.log(2.0)


@nki.jit
def kernel(a):
    n = np.prod(a.shape)  # <-- NKI026
    for i, d in enumerate(a.shape):  # <-- NKI027
        pass
    for x, y in zip(a.shape, a.shape):  # <-- NKI027
        pass
    total = sum(a.shape)  # <-- NKI027
    size = len(a.shape) + abs(-1) + max(1, 2) + min(1, 2)
    levels = math.log(a.shape[1]) + math.log2(a.shape[1]) + math.ceil(1.5) + math.pi  # <-- NKI028
    t = nl.ndarray((128, 512), dtype=np.float32, buffer=nl.sbuf)  # <-- NKI104
    u = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    nl.device_print(t, "tile")  # <-- NKI202
    nl.device_print("tile", t)
    nl.device_print(f"tile {n}", t)
    core = nl.program_id(1)  # <-- NKI215
    same = nl.program_id(0)
    cores = nl.num_programs(axes=1)  # <-- NKI215
    print(t)  # <-- NKI903
    print("shape", t.shape)
    return a
