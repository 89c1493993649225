import nki
import nki.isa as nisa
import nki.language as nl


# target: gen4
# nki: args a=bfloat16[128,64] idx=int32[128,4]
@nki.jit
def indirect_views(a, idx):
    t = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    i = nl.ndarray((128, 4), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    fine = t.indirect(i)
    some = t.indirect(i, num_elem=16)
    assert fine.shape == (128, 512) and some.shape == (128, 16) and fine.is_indirect()
    again = fine.indirect(i)  # <-- NKI311
    too_many = t.indirect(i, 513)  # <-- NKI313
    none = t.indirect(i, 0)  # <-- NKI313
    half = nl.ndarray((64, 4), dtype=nl.int32, buffer=nl.sbuf)
    nisa.memset(dst=half, value=0)
    partitions = t.indirect(half)  # <-- NKI313
    hbm_index = t.indirect(idx)  # <-- NKI313
    on_hbm = a.indirect(i)  # <-- NKI313
    not_tensor = t.indirect(3)  # <-- NKI313
    sliced = some[:, 0:8]
    return a


# nki: args a=bfloat16[128,64] idx=int32[128,4]
@nki.jit
def indirect_operands(a, idx):
    t = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    i = nl.ndarray((128, 4), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    g = nl.ndarray((128, 16), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.tensor_copy(dst=g, src=t.indirect(i, 16))
    nisa.tensor_copy(dst=t.indirect(i, 16), src=g, engine=nisa.engine.scalar)
    nisa.tensor_copy(dst=g, src=t.indirect(i, 16), engine=nisa.engine.gpsimd)  # <-- NKI416
    nisa.tensor_tensor(dst=g, data1=t.indirect(i, 16), data2=g, op=nl.add)
    nisa.tensor_tensor(dst=g, data1=g, data2=t.indirect(i, 16), op=nl.add)  # <-- NKI416
    nisa.tensor_copy_predicated(dst=g, src=t.indirect(i, 16), predicate=g)  # <-- NKI416
    nisa.dma_copy(dst=g, src=t.indirect(i, 16))  # <-- NKI416
    acc = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.psum)
    nisa.activation(dst=acc.indirect(i, 16), op=nl.exp, data=g)  # <-- NKI416
    nisa.activation(dst=g, op=nl.exp, data=t.indirect(i, 16), bias=t.indirect(i, 1))  # <-- NKI416
    out = nl.ndarray((16, 64), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=out, stationary=t.indirect(i, 16), moving=t)
    nisa.nc_matmul(dst=out, stationary=t.indirect(i, 16), moving=t, tile_position=(32, 0), tile_size=(32, 32))  # <-- NKI416
    nisa.nc_matmul(dst=out, stationary=t, moving=t.indirect(i, 16), is_transpose=True)  # <-- NKI416
    f = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=f, src=t)
    nisa.nc_matmul(dst=out, stationary=f.indirect(i, 16), moving=t)  # <-- NKI416
    return a

