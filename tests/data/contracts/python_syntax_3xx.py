import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,512] y=float32[128,512]
@nki.jit
def operators(x, y):
    a = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    b = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=x)
    nisa.dma_copy(dst=b, src=y)
    s = a + b  # <-- NKI317
    d = a * 2.0  # <-- NKI317
    n = -a  # <-- NKI317
    m = a < b  # <-- NKI317
    p = a ** 2  # <-- NKI317
    a += b  # <-- NKI317
    a[0:64, :] = 0  # <-- NKI316
    a[:, 0:256] = nl.load(x[:, 0:256])  # <-- NKI316
    a[:, 0:4] = nisa.tensor_copy(b[:, 0:4])  # <-- NKI316
    fine = a.shape[1] * 2 + len(a.shape)
    same = a is b
    return x


# nki: args x=float32[128,512] table=float32[1024,512]
@nki.jit
def indexing(x, table):
    idx = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.memset(dst=idx, value=3)
    rows = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.iota(dst=rows, pattern=[[0, 1]], offset=0, channel_multiplier=1)
    wide = nl.ndarray((128, 4), dtype=nl.int32, buffer=nl.sbuf)
    nisa.memset(dst=wide, value=0)
    t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    old = table[idx]  # <-- NKI315
    r = nisa.register_alloc(0)
    by_register = table[r, :]  # <-- NKI315
    ok_select = table.select(0, idx)
    ok_gather = table.vector_select(0, rows)
    wrong_dim = table.vector_select(1, rows)  # <-- NKI309
    on_chip = t.vector_select(0, rows)  # <-- NKI309
    wide_offsets = table.vector_select(0, wide)  # <-- NKI314
    hbm_scalar = table.ap([[512, 1], [1, 512]], scalar_offset=x)  # <-- NKI314
    bad_select = table.select(0, wide)  # <-- NKI314
    ok_ap = table.ap([[512, 128], [1, 512]], vector_offset=rows)
    return x


# nki: args x=float32[128,512]
@nki.jit
def block_dims(x):
    first = nl.ndarray((nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=first, src=x)
    blocks = nl.ndarray((4, nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI302
    shape = (2, nl.par_dim(128), 64)
    more = nl.zeros(shape, dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI302
    return x
