import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,8,16]
@nki.jit
def view_methods_kernel(x):
    t = nl.ndarray((128, 8, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    flat = t.flatten_dims(1, 2)
    split = flat.reshape_dim(1, (4, -1))
    expanded = t[:, 0, :].expand_dim(1)
    squeezed = expanded.squeeze_dim(1)
    sliced = t.slice(2, 0, 16, 2)
    chosen = t.select(2, 5)
    windows = t[:, nl.ds(2, 4), :]
    raw = t.ap([[128, 128], [2, 32]], offset=1)
    halves = t.ap([[128, 128], [1, 256]], dtype=nl.bfloat16)
    u = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=u, src=flat)
    nisa.tensor_copy(dst=u[:, 0:16], src=squeezed)
    nisa.tensor_copy(dst=u[:, 16:24], src=chosen)
    nisa.tensor_copy(dst=u[:, 24:56], src=raw)
    nisa.tensor_copy(dst=u[:, 56:120].reshape_dim(1, (8, 8)), src=sliced)
    print(split.shape, windows.shape, halves.shape, sliced.get_pattern(), t.is_contiguous())
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=u)
    return out
