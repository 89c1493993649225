import nki
import nki.isa as nisa
import nki.language as nl


# nki: args table=float32[1024,64] ids=int32[128,1]
@nki.jit
def dynamic_kernel(table, ids):
    idx = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=idx, src=ids)
    gathered = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=gathered, src=table.vector_select(0, idx))
    one = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.memset(dst=one, value=7)
    row = nl.ndarray((1, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=row, src=table.select(0, one))
    reg = nisa.register_alloc(3)
    nisa.register_load(reg, one)
    by_reg = nl.ndarray((1, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=by_reg, src=table.ap([[64, 1], [1, 64]], offset=0, scalar_offset=reg))
    vec = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=vec, src=table.ap([[64, 128], [1, 64]], offset=0, vector_offset=idx))
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.tensor_tensor(dst=gathered, data1=gathered, data2=vec, op=nl.add)
    nisa.dma_copy(dst=out, src=gathered)
    print(table.vector_select(0, idx).is_indirect(), row.shape)
    return out
