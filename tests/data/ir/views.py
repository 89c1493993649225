import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,4,32] y=float32[64,256]
@nki.jit
def views_kernel(x, y):
    t = nl.ndarray((128, 4, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    flat = t.reshape((128, 128))
    swapped = t.permute((0, 2, 1))
    col = t[:, 0, 0:1]
    wide = col.broadcast(1, 32)
    sel = t.select(1, 2)
    part = t[0:64, 1, :]
    raw = t.ap([[128, 128], [1, 64]], offset=0)
    bytes_view = t.view(nl.bfloat16)
    u = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=u, src=flat)
    nisa.tensor_copy(dst=u[:, 0:128:4], src=swapped[:, :, 0])
    nisa.tensor_copy(dst=u[:, 0:32], src=wide)
    nisa.tensor_copy(dst=u[:, 32:64], src=sel)
    nisa.tensor_copy(dst=u[:, 64:128], src=raw)
    nisa.tensor_copy(dst=u[0:64, 0:32], src=part)
    print(bytes_view.shape, flat.get_pattern(), swapped.is_contiguous(), y[3].shape, y[1:3, 5].shape)
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=u)
    return out
