"""Small NKI 0.6 kernels run by the runtime tests through `nki.jit` / `nki.simulate` (test data)."""

import nki
import nki.isa as nisa
import nki.language as nl

TILE_K = nl.tile_size.pmax


@nki.jit
def add_kernel(a, b):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    x = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    y = nl.ndarray(b.shape, dtype=b.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=x, src=a)
    nisa.dma_copy(dst=y, src=b)
    nisa.tensor_tensor(dst=x, data1=x, data2=y, op=nl.add)
    nisa.dma_copy(dst=out, src=x)
    return out


@nki.jit
def tiled_matmul(lhsT, rhs):
    K, M = lhsT.shape
    _, N = rhs.shape
    tile_n = min(N, nl.tile_size.gemm_moving_fmax)
    result = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for n in range(N // tile_n):
        acc = nl.ndarray((M, tile_n), nl.float32, buffer=nl.psum)
        for k in range(K // TILE_K):
            a = nl.ndarray((TILE_K, M), dtype=lhsT.dtype, buffer=nl.sbuf)
            b = nl.ndarray((TILE_K, tile_n), dtype=rhs.dtype, buffer=nl.sbuf)
            nisa.dma_copy(dst=a, src=lhsT[k * TILE_K : (k + 1) * TILE_K, :])
            nisa.dma_copy(dst=b, src=rhs[nl.ds(k * TILE_K, TILE_K), nl.ds(n * tile_n, tile_n)])
            nisa.nc_matmul(dst=acc, stationary=a, moving=b, accumulate=k > 0)
        out = nl.ndarray(acc.shape, dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=out, src=acc)
        nisa.dma_copy(dst=result[:, n * tile_n : (n + 1) * tile_n], src=out)
    return result


@nki.jit
def exp_scale_kernel(x, scale):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    nisa.activation(dst=t, op=nl.exp, data=t, scale=scale)
    nisa.dma_copy(dst=out, src=t)
    return out


@nki.jit
def affine_kernel(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0, op1=nl.add, operand1=1.0)
    nisa.dma_copy(dst=out, src=t)
    return out


@nki.jit
def row_max_kernel(x):
    P, _ = x.shape
    out = nl.ndarray((P, 1), dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    r = nl.ndarray((P, 1), dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    nisa.tensor_reduce(dst=r, op=nl.maximum, data=t, axis=1, keepdims=True)
    nisa.dma_copy(dst=out, src=r)
    return out


@nki.jit
def transpose_kernel(x):
    P, F = x.shape
    out = nl.ndarray((F, P), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.ndarray((P, F), dtype=x.dtype, buffer=nl.sbuf)
    tp = nl.ndarray((F, P), dtype=nl.float32, buffer=nl.psum)
    res = nl.ndarray((F, P), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    nisa.nc_transpose(dst=tp, data=t)
    nisa.tensor_copy(dst=res, src=tp)
    nisa.dma_copy(dst=out, src=res)
    return out


@nki.jit
def repeat_add_kernel(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    acc = nl.zeros(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)

    def body(i):
        nisa.tensor_tensor(dst=acc, data1=acc, data2=t, op=nl.add)

    nl.fori_loop(0, 8, body)
    nisa.dma_copy(dst=out, src=acc)
    return out


@nki.jit
def scale_in_place_kernel(x):
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=3.0)
    nisa.dma_copy(dst=x, src=t)


@nki.jit
def two_outputs_kernel(a):
    first = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    second = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    nisa.dma_copy(dst=first, src=t)
    nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=1.0)
    nisa.dma_copy(dst=second, src=t)
    return first, second


@nki.jit
def out_of_bounds_kernel(a):
    out = nl.ndarray((128, 64), dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray((128, 64), dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    nisa.dma_copy(dst=out, src=t)
    return out


@nki.jit
def uninitialised_kernel(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=out, src=t)
    return out


@nki.jit
def bad_kernel(a):
    assert a.shape[0] == 64, "needs 64 rows"
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    return out


# -- LNC2 ------------------------------------------------------------------------------------------------
@nki.jit
def lnc_split_kernel(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    rows = a.shape[0] // nl.num_programs()
    first = nl.program_id(0) * rows
    for i in range(rows // 128):
        lo = first + i * 128
        t = nl.ndarray((128, a.shape[1]), dtype=a.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=a[lo : lo + 128, :])
        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0)
        nisa.dma_copy(dst=out[lo : lo + 128, :], src=t)
    return out


@nki.jit
def lnc_exchange_kernel(a):
    """Both outputs hold `a` with its two 128-row halves swapped: by `sendrecv`, and through shared HBM
    after a `core_barrier`."""
    by_sendrecv = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    by_barrier = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    scratch = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    me = nl.program_id(0)
    peer = 1 - me
    mine = nl.ndarray((128, a.shape[1]), dtype=a.dtype, buffer=nl.sbuf)
    theirs = nl.ndarray((128, a.shape[1]), dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=mine, src=a[me * 128 : me * 128 + 128, :])
    nisa.sendrecv(src=mine, dst=theirs, send_to_rank=peer, recv_from_rank=peer, pipe_id=0)
    nisa.dma_copy(dst=by_sendrecv[me * 128 : me * 128 + 128, :], src=theirs)
    nisa.dma_copy(dst=scratch[me * 128 : me * 128 + 128, :], src=mine)
    nisa.core_barrier(data=scratch, cores=(0, 1))
    nisa.dma_copy(dst=theirs, src=scratch[peer * 128 : peer * 128 + 128, :])
    nisa.dma_copy(dst=by_barrier[me * 128 : me * 128 + 128, :], src=theirs)
    return by_sendrecv, by_barrier


@nki.jit
def lnc_lonely_barrier_kernel(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    if nl.program_id(0) == 0:
        nisa.core_barrier(data=out, cores=(0, 1))
    nisa.dma_copy(dst=out, src=t)
    return out


# -- dynamic access patterns -------------------------------------------------------------------------
@nki.jit
def runtime_sum_kernel(x):
    """Sum of the 128x64 slices of x, read with a register `scalar_offset` inside a runtime loop."""
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    acc = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    tile = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)

    def body(i):
        nisa.dma_copy(dst=tile, src=x.ap([[64, 128], [1, 64]], offset=0, scalar_offset=i, indirect_dim=0))
        nisa.tensor_tensor(dst=acc, data1=acc, data2=tile, op=nl.add)

    nl.fori_loop(0, x.shape[0], body)
    nisa.dma_copy(dst=out, src=acc)
    return out


@nki.jit
def select_block_kernel(x, index):
    """x[index[0, 0]] for x (B, 128, 64): a dynamic `select` by a (1, 1) SBUF tensor."""
    out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)
    where = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=where, src=index)
    tile = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=x.select(0, where))
    nisa.dma_copy(dst=out, src=tile)
    return out


@nki.jit
def gather_rows_kernel(table, rows):
    """table[rows[:, 0]] for table (N, 64) and rows (128, 1) int32, by `vector_offset` and `vector_select`."""
    by_ap = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.shared_hbm)
    by_select = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.shared_hbm)
    index = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=index, src=rows)
    tile = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=table.ap([[64, 128], [1, 64]], offset=0, vector_offset=index, indirect_dim=0))
    nisa.dma_copy(dst=by_ap, src=tile)
    nisa.dma_copy(dst=tile, src=table.vector_select(0, index))
    nisa.dma_copy(dst=by_select, src=tile)
    return by_ap, by_select


@nki.jit
def scatter_rows_kernel(table, rows, values):
    """table[rows[:, 0]] = values, in place, by a `vector_offset` destination."""
    index = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=index, src=rows)
    tile = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=values)
    nisa.dma_copy(dst=table.ap([[64, 128], [1, 64]], offset=0, vector_offset=index, indirect_dim=0), src=tile)


@nki.jit
def gather_skip_kernel(table, rows):
    """Like gather_rows_kernel, but rows out of range are skipped (they stay 0)."""
    out = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.shared_hbm)
    index = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=index, src=rows)
    tile = nl.zeros((128, 64), dtype=table.dtype, buffer=nl.sbuf)
    src = table.ap([[64, 128], [1, 64]], offset=0, vector_offset=index, indirect_dim=0)
    nisa.dma_copy(dst=tile, src=src, oob_mode=nisa.oob_mode.skip)
    nisa.dma_copy(dst=out, src=tile)
    return out


@nki.jit
def gather_error_kernel(table, rows):
    out = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.shared_hbm)
    index = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=index, src=rows)
    tile = nl.ndarray((128, 64), dtype=table.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=table.ap([[64, 128], [1, 64]], offset=0, vector_offset=index, indirect_dim=0))
    nisa.dma_copy(dst=out, src=tile)
    return out
