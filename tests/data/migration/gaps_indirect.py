"""NKI315 (NKI543 row): a tile as the leading index of an HBM tensor gathers or scatters rows: `.vector_select`."""
import numpy as np
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def gather_even_rows(data_tensor):
    out_tensor = nl.ndarray([64, 512], dtype=data_tensor.dtype, buffer=nl.shared_hbm)
    idx_tile = nl.ndarray((64, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.iota(idx_tile, [[0, 1]], channel_multiplier=2)
    data_tile = nl.load(data_tensor[idx_tile, 0:512])  # <-- NKI315
    nl.store(out_tensor, value=data_tile)
    return out_tensor


@nki.jit
def scatter_rows(in_tensor, idx_tensor):
    data_tensor = nl.ndarray([128, 512], dtype=in_tensor.dtype, buffer=nl.shared_hbm)
    data_tile = nl.load(in_tensor)
    idx_tile = nl.load(idx_tensor)
    nl.store(data_tensor[idx_tile[0:64, 0], :], value=data_tile[0:64, 0:512])  # <-- NKI315
    return data_tensor


@nki.jit
def not_a_tile_index(data_tensor, rows):
    out_tensor = nl.ndarray([64, 512], dtype=data_tensor.dtype, buffer=nl.shared_hbm)
    first = rows[0]
    data_tile = nl.load(data_tensor[first, 0:512])
    nl.store(out_tensor[0:1, 0:512], value=data_tile)
    return out_tensor
