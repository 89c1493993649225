"""Kernels for tests/simulator/test_tensor_indirection.py (test data): `.indirect()` gathers and scatters
(nki-api.md §3.10, trn3) and `rearrange` views, each through one instruction."""

import nki
import nki.isa as nisa
import nki.language as nl


def _load(src, dtype=None):
    tile = nl.ndarray(src.shape, dtype=dtype or src.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=src)
    return tile


def _store(tile):
    out = nl.ndarray(tile.shape, dtype=tile.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=tile)
    return out


@nki.jit
def gather_copy(a, idx, n):
    t, i = _load(a), _load(idx)
    g = nl.ndarray((a.shape[0], n), dtype=a.dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=g, src=t.indirect(i, n))
    return _store(g)


@nki.jit
def gather_partitions(a, idx, start, n):
    t, i = _load(a), _load(idx)
    rows = idx.shape[0]
    g = nl.ndarray((rows, n), dtype=a.dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=g, src=t[start : start + rows].indirect(i, n))
    return _store(g)


@nki.jit
def gather_strided(a, idx, n):
    t, i = _load(a), _load(idx)
    g = nl.ndarray((a.shape[0], n), dtype=a.dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=g, src=t[:, 1:, ::2].indirect(i, n))
    return _store(g)


@nki.jit
def scatter_copy(a, idx, values):
    t, i, v = _load(a), _load(idx), _load(values)
    nisa.tensor_copy(dst=t.indirect(i, values.shape[1]), src=v)
    return _store(t)


@nki.jit
def gather_add(a, idx, b):
    t, i, y = _load(a), _load(idx), _load(b)
    g = nl.ndarray(b.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=g, data1=t.indirect(i, b.shape[1]), data2=y, op=nl.add)
    return _store(g)


@nki.jit
def scatter_exp(a, idx, b):
    t, i, y = _load(a), _load(idx), _load(b)
    nisa.activation(dst=t.indirect(i, b.shape[1]), op=nl.exp, data=y)
    return _store(t)


@nki.jit
def gather_matmul(stationary, idx, moving, m):
    s, i, x = _load(stationary), _load(idx), _load(moving)
    acc = nl.ndarray((m, moving.shape[1]), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=s.indirect(i, m), moving=x)
    out = nl.ndarray(acc.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=out, src=acc)
    return _store(out)


@nki.jit
def rearranged_copy(a):
    t = _load(a)
    view = t.rearrange(("p", ("h", "w")), ("p", "w", "h"), {"h": 4})
    u = nl.ndarray(view.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=u, src=view)
    return _store(u)


@nki.jit
def rearranged_load(h):
    rows = h.rearrange(("a", "b", ("c", "d")), ("b", "d", "a", "c"), {"d": 2})
    u = nl.ndarray(rows.shape, dtype=h.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=u, src=rows)
    return _store(u)
