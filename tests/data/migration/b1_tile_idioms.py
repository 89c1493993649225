"""Beta-1 tile idioms: Python arithmetic on tiles, `tile.broadcast_to`, `nl.loop_reduce`, block dimensions,
`psum += nisa.nc_matmul(...)`, stores of PSUM tiles, tile copies, `nki.baremetal()(kernel)`."""
import numpy as np
from neuronxcc import nki  # <-- NKI537
import neuronxcc.nki.isa as nisa  # <-- NKI537
import neuronxcc.nki.language as nl  # <-- NKI537
from neuronxcc.nki.language import par_dim  # <-- NKI537


def tiled(a_tensor, b_tensor, g_tensor):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    a_sbuf = nl.ndarray((2, par_dim(128), 128), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI547
    total = nl.zeros((nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI547
    for k in nl.affine_range(2):  # <-- NKI503
        a_sbuf[k] = nl.load(a_tensor[k * 128:(k + 1) * 128, 0:128])  # <-- NKI316
    b_tile = nl.load(b_tensor)
    for k in nl.affine_range(2):  # <-- NKI503
        psum = nl.zeros((128, 512), dtype=nl.float32, buffer=nl.psum)
        psum += nisa.nc_matmul(a_sbuf[k, :, :], b_tile)  # <-- NKI401
        total[:, :] = nl.loop_reduce(psum, op=nl.add, loop_indices=[k], dtype=nl.float32)  # <-- NKI539
    g_tile = nl.load(g_tensor)
    scaled = total / 2  # <-- NKI317
    g_wide = g_tile.broadcast_to((128, 512))  # <-- NKI539
    scaled += g_wide  # <-- NKI317
    last = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    last[...] = scaled[:, 511]  # <-- NKI316
    result = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    nisa.tensor_copy(result, scaled)
    nl.store(out, value=result)  # <-- NKI517
    return out


def host():
    a = np.zeros((256, 128), dtype=np.float32)
    b = np.zeros((128, 512), dtype=np.float32)
    g = np.zeros((1, 512), dtype=np.float32)
    return nki.baremetal()(tiled)(a, b, g)  # <-- NKI558
