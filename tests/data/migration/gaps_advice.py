"""Beta-1 constructs without an exact rewrite: the diagnostic's note says what to write instead."""
import numpy as np
import nki
import nki.language as nl


@nki.compiler.skip_middle_end_transformations  # <-- NKI022
@nki.jit
def transpose_free_axes(in_tensor, shape2d):
    out_tensor = nl.ndarray(in_tensor.shape, dtype=in_tensor.dtype, buffer=nl.shared_hbm)
    sz_p, _ = in_tensor.shape
    in_tile = nl.load(in_tensor)
    sz_f1, sz_f2 = shape2d
    i_p0 = nl.arange(sz_p)[:, None, None]  # <-- NKI539
    i_f1 = nl.arange(sz_f1)[None, :, None]  # <-- NKI539
    i_f2 = nl.arange(sz_f2)[None, None, :]  # <-- NKI539
    out_tile = nl.ndarray(shape=(sz_p, sz_f2 * sz_f1), dtype=out_tensor.dtype)
    out_tile[i_p0, i_f2 * sz_f1 + i_f1] = nl.copy(in_tile[i_p0, i_f1 * sz_f2 + i_f2])  # <-- NKI316
    nl.store(out_tensor, value=out_tile)
    return out_tensor


@nki.jit
def corners(src, h):
    out = nl.ndarray((128, 2), dtype=src.dtype, buffer=nl.shared_hbm)
    tile = nl.load(src)
    i_p, i_h = nl.mgrid[0:128, 0:2]  # <-- NKI539
    picked = nl.copy(tile[i_p, (h - 1) * i_h])
    nl.store(out, value=picked)
    return out


def _fill(blocks):
    blocks[0, :, :] = 0.0


@nki.jit
def blocked(a):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    blocks = nl.ndarray([2] + [nl.par_dim(128), 512], dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI547
    _fill(blocks)
    nl.store(out, value=blocks[1, :, :])
    return out


def main():
    a = np.zeros((128, 512), np.float32)
    nki.benchmark(warmup=5, iters=10)(blocked)(a)  # <-- NKI558
    blocked[2, 2](a)  # <-- NKI216
