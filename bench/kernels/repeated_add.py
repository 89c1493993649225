"""`reps` identical 128x512-style fp32 `tensor_tensor` adds between two loads and one store: the
per-instruction cost of the simulator is the time difference between two values of `reps`."""

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def repeated_add(a, b, reps):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.sbuf)
    y = nl.ndarray(b.shape, dtype=nl.float32, buffer=nl.sbuf)
    z = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=x, src=a)
    nisa.dma_copy(dst=y, src=b)
    for _ in range(reps):
        nisa.tensor_tensor(dst=z, data1=x, data2=y, op=nl.add)
    nisa.dma_copy(dst=out, src=z)
    return out
