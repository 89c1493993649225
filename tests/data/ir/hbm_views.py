import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[4,256,64]
@nki.jit
def hbm_views_kernel(x):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    last = x[-1]
    every_other = last[0:256:2, :]
    flat = x.reshape((1024, 64))
    tail = flat[-128:, :]
    swapped = x[0].permute((1, 0))
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=every_other)
    u = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=u, src=tail)
    nisa.tensor_tensor(dst=t, data1=t, data2=u, op=nl.subtract)
    nisa.dma_copy(dst=out, src=t)
    print(last.shape, swapped.shape, x[1, 2].shape, x[..., 0].shape)
    return out
