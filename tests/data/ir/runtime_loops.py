import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[8,128,64]
@nki.jit
def loops_kernel(x):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    acc = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    tile = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)

    def body(i):
        nisa.dma_copy(dst=tile, src=x.ap([[64, 128], [1, 64]], offset=0, scalar_offset=i, indirect_dim=0))
        nisa.tensor_tensor(dst=acc, data1=acc, data2=tile, op=nl.add)

    nl.fori_loop(0, 8, body)
    flag = nisa.register_alloc(1)

    def step(cond):
        nisa.tensor_scalar(dst=acc, data=acc, op0=nl.multiply, operand0=0.5)
        nisa.register_move(dst=cond, src=0)
        return cond

    nl.while_loop(flag, step)
    nisa.dma_copy(dst=out, src=acc)
    return out
