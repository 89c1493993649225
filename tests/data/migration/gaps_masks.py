"""NKI540 on operands that spell no grid: the mask bounds the instruction, so every tile operand is clamped."""
import numpy as np
import nki
import nki.isa as nisa
import nki.language as nl
import nki.typing as nt


@nki.jit
def rmsnorm_tail(a_tensor, g_tensor):
    out_tensor = nl.ndarray(a_tensor.shape, dtype=a_tensor.dtype, buffer=nl.shared_hbm)
    num_rows = a_tensor.shape[0]
    ix = nl.arange(128)[:, None]  # <-- NKI539
    iy = nl.arange(a_tensor.shape[1])[None, :]  # <-- NKI539
    g_tile = nl.load(g_tensor)
    g_bcast = nl.broadcast_to(g_tile, (128, g_tensor.shape[1]))
    for i in range(2):
        a_tile = nl.load(a_tensor[i * 128 + ix, iy], mask=(i * 128 + ix < num_rows))  # <-- NKI540
        out_tile = nl.ndarray((128, a_tensor.shape[1]), dtype=a_tensor.dtype, buffer=nl.sbuf)
        out_tile[...] = nl.multiply(a_tile, g_bcast, mask=(i * 128 + ix < num_rows))  # <-- NKI540 NKI316
        nl.store(out_tensor[i * 128 + ix, iy], value=out_tile, mask=(i * 128 + ix < num_rows))  # <-- NKI540
    return out_tensor


@nki.jit
def masked_replace(in_tensor: nt.tensor, imm: np.float32):
    n, m = in_tensor.shape
    out_tensor = nl.ndarray([n, m], dtype=in_tensor.dtype, buffer=nl.shared_hbm)
    idx_tile = nl.ndarray((n, 8), dtype=nl.uint32, buffer=nl.sbuf)
    ix, iy = nl.mgrid[0:n, 0:m]  # <-- NKI539
    inp_tile = nl.load(in_tensor)
    max_vals = nisa.max8(src=inp_tile[ix, iy], mask=(ix < n // 2) & (iy < m // 2))  # <-- NKI401 NKI540
    out_tile = nisa.nc_match_replace8(dst_idx=idx_tile[:, :], data=inp_tile[ix, iy], vals=max_vals,  # <-- NKI401
                                      imm=imm, mask=(ix < n // 2) & (iy < m // 2))  # <-- NKI540
    nl.store(out_tensor, value=out_tile)
    return out_tensor


@nki.jit
def free_bound_without_grid(a_tensor, limit):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    iy = nl.arange(512)[None, :]  # <-- NKI539
    a_tile = nl.load(a_tensor)
    doubled = nl.multiply(a_tile, 2.0, mask=(iy < limit))  # <-- NKI540
    exp_tile = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.activation(exp_tile, op=nl.exp, data=doubled, mask=(iy < limit))  # <-- NKI540
    nl.store(out, value=exp_tile)
    return out
