"""A Beta-1 style kernel (written for this test): every mechanical migration applies."""
import math

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit(mode="simulation")
def scale_rows(a_tensor, factor):
    out_tensor = nl.ndarray(a_tensor.shape, dtype=a_tensor.dtype, buffer=nl.shared_hbm)
    ix = nl.arange(128)[:, None]
    iy = nl.arange(a_tensor.shape[1])[None, :]
    num_rows = a_tensor.shape[0]
    for i in nl.affine_range(math.ceil(num_rows / 128)):
        tile = nl.load(a_tensor[i * 128 + ix, iy], mask=(i * 128 + ix < num_rows))
        scaled = nisa.tensor_scalar(tile, nl.multiply, factor, dtype=nl.float32)
        nl.store(out_tensor[i * 128 + ix, iy], value=scaled, mask=(i * 128 + ix < num_rows))
    return out_tensor


@nki.jit
def copy_blocks(a_tensor):
    out_tensor = nl.ndarray((128, 512), dtype=a_tensor.dtype, buffer=nl.shared_hbm)
    i_p, i_f = nl.mgrid[0:128, 0:512]
    t = nl.ndarray((nl.par_dim(128), 512), dtype=a_tensor.dtype, buffer=nl.sbuf)
    t = nl.load(a_tensor[i_p, i_f])
    e = nisa.activation(op=nl.exp, data=t)
    nl.store(out_tensor[i_p, i_f], value=e)
    return out_tensor


@nki.jit
def runtime_loop(a_tensor, n):
    out_tensor = nl.ndarray((128, 512), dtype=a_tensor.dtype, buffer=nl.shared_hbm)
    for i in nl.dynamic_range(n):
        t = nl.ndarray((128, 512), dtype=a_tensor.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=a_tensor[0:128, 0:512])
        nisa.dma_copy(dst=out_tensor[0:128, 0:512], src=t)
    for j in nl.dynamic_range(n):
        if j:
            break
    return out_tensor
