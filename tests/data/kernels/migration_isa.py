"""NKI5xx: ISA call signatures, enum/buffer spellings and constants changed in NKI 0.2-0.6."""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def isa_calls(a):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.ndarray((128, 512), dtype=nl.int32, buffer='sbuf')  # <-- NKI529
    p = nl.ndarray((128, 4, 512), dtype=nl.float32, buffer=nl.psum)
    r = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    ps = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    nisa.memset(t, value=2.0)  # <-- NKI520
    nisa.dma_copy(dst=out, src=t, dge_mode=2)  # <-- NKI518 NKI528
    nisa.dma_copy(out, r, dst_rmw_op=nl.add)  # <-- NKI519
    nisa.dma_copy(dst=out, src=ps)  # <-- NKI517
    nisa.tensor_reduce(r, nl.add, p, axis=1)  # <-- NKI521
    nisa.nc_matmul(r, a, a, psumAccumulateFlag=True, is_moving_zero=True)  # <-- NKI550 NKI551
    nisa.dma_compute(out, [r], [1.0], nl.add)  # <-- NKI522
    nisa.affine_select(r, [[1, 512]], 0, 1, r, -1e9)  # <-- NKI524
    nisa.nc_stream_shuffle(r, t, [0] * 32)  # <-- NKI557
    nisa.tensor_copy(r, t, dtype=nl.float32, engine=nisa.vector_engine)  # <-- NKI553 NKI559
    x = nl.tile_size.psum_fmax + nl.tile_size.total_available_sbuf_size  # <-- NKI512 NKI513
    e = nisa.dma_engine  # <-- NKI530
    q = r.reshape((64, 512))  # <-- NKI507
    nisa.register_move(nisa.register_alloc(0), imm=3)  # <-- NKI525
    nisa.sendrecv(r, t, 1, 0, 0, use_gpsimd_dma=True)  # <-- NKI523
    nisa.range_select(r, r, nl.greater_equal, nl.less, t, t, on_false_value=0.0)  # <-- NKI534
    nisa.tensor_copy_dynamic_src(r, a)  # <-- NKI511
    y = nl.rsqrt(ps)  # <-- NKI506
    nisa.affine_select(r, [[1, 512]], 0, r, -1e9, pred=None)  # <-- NKI555
    nisa.iota(nl.arange(128)[:, None], dtype=nl.int32)  # <-- NKI539 NKI553 NKI556
    nisa.tensor_copy(r, t, engine=nisa.engine.vector)
    nisa.dma_copy(dst=out, src=r, dge_mode=nisa.dge_mode.hwdge)
    return out
