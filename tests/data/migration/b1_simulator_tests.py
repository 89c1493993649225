"""Beta-1 simulator tests: `nki.trace` kernels run through a `simulate_kernel` alias, writing into
output arguments; keyword `memset(shape=...)`; a list comprehension; a kernel without parameters."""
import numpy as np
import neuronxcc.nki as nki  # <-- NKI537
import neuronxcc.nki.isa as nisa  # <-- NKI537
import neuronxcc.nki.language as nl  # <-- NKI537

nki_jit = nki.trace  # <-- NKI558
simulate_kernel = nki.simulate_kernel  # <-- NKI558


@nki_jit
def column_sum(a_tensor, b_tensor):
    a = nl.load(a_tensor)
    b = nisa.memset(shape=(1, 64), value=0, dtype=nl.float32)  # <-- NKI554
    offsets = [(i + 1) % 4 for i in range(4)]  # <-- NKI011
    b[...] = nisa.tensor_partition_reduce(nl.add, a)  # <-- NKI316
    nl.store(b_tensor, b)


@nki.jit
def generated():
    r = nl.rand((32, 128), dtype=nl.float32)
    out = nl.ndarray((32, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, value=r)
    return out


def host():
    a = np.ones((128, 64), dtype=np.float32)
    b = np.zeros((1, 64), dtype=np.float32)
    simulate_kernel(column_sum, a, b)
    return generated()  # <-- NKI112
