"""NKI316/NKI113/NKI104/NKI547/NKI537: Beta-1 fills, casting copies, per-partition scalars, branch allocations."""
import numpy as np
import neuronxcc.nki.compiler as ncc  # <-- NKI537
import nki
import nki.isa as nisa
import nki.language as nl
from neuronxcc.nki.language import par_dim  # <-- NKI537


@nki.jit
def fills_and_casts(a, w, mixed):
    out = nl.ndarray((128, 512), dtype=w.dtype, buffer=nl.shared_hbm)
    acc_type = np.dtype(nl.float32) if mixed else a.dtype  # <-- NKI104
    bias = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    bias[...] = 0  # <-- NKI316
    scale = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    scale[...] = -1.5  # <-- NKI316
    hbm = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
    hbm[...] = 0
    data = nl.ndarray((128, 512), dtype=w.dtype, buffer=nl.sbuf)
    data[0:128, 0:512] = nl.load(a, dtype=w.dtype)  # <-- NKI316
    wide = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    wide[0:128, 0:512] = nl.load(a, dtype=acc_type)  # <-- NKI316
    scaled = nl.ndarray((128, 512), dtype=w.dtype, buffer=nl.sbuf)
    scaled[0:128, 0:512] = nl.multiply(data[0:128, 0:512], scale[...], dtype=w.dtype)  # <-- NKI316
    summed = nl.zeros((128, 512), dtype=nl.float32, buffer=nl.sbuf, lazy_initialization=False)  # <-- NKI113
    lazy = nl.zeros((128, 512), dtype=nl.float32, buffer=nl.sbuf, lazy_initialization=True)  # <-- NKI113
    nisa.tensor_tensor(dst=summed, data1=wide, data2=lazy, op=nl.add)
    nisa.dma_copy(dst=out, src=scaled)
    return out


@nki.jit
def branch_allocations(a):
    out = nl.ndarray((128, 2, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    if nisa.get_nc_version() == nisa.nc_version.gen3:
        tiles = nl.ndarray((2, par_dim(128), 512), dtype=a.dtype, buffer=nl.sbuf)  # <-- NKI510 NKI547
    else:
        tiles = nl.ndarray((2, par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI547
    for b in range(2):
        nisa.dma_copy(dst=tiles[b, 0:128, 0:512], src=a[b])
        nisa.dma_copy(dst=out[0:128, b, 0:512], src=tiles[b])
    return out
