import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[4,128,32]
@nki.jit
def runtime_ranges_kernel(x):
    acc = nl.zeros((128, 32), dtype=nl.float32, buffer=nl.sbuf)
    tile = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.dynamic_range(1, 4, 2):
        nisa.dma_copy(dst=tile, src=x.ap([[32, 128], [1, 32]], offset=0, scalar_offset=i, indirect_dim=0))
        nisa.tensor_tensor(dst=acc, data1=acc, data2=tile, op=nl.add)
    more = nisa.register_alloc(1)
    while more:
        nisa.tensor_scalar(dst=acc, data=acc, op0=nl.multiply, operand0=0.5)
        nisa.register_move(dst=more, src=0)
    for j in nl.sequential_range(2):
        nisa.tensor_scalar(dst=acc, data=acc, op0=nl.add, operand0=float(j))
    out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=acc)
    return out
