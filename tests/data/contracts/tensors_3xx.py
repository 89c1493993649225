import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[256,512]
@nki.jit
def partitions(x):
    big = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.sbuf)  # <-- NKI301
    ok = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    acc = nl.ndarray((128, 1024), dtype=nl.float32, buffer=nl.psum)  # <-- NKI303
    pinned = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum, address=(0, 1024))  # <-- NKI319
    nisa.dma_copy(dst=ok, src=x[0:128, :])
    for i in range(3):
        tile = ok[:, i * 256:(i + 1) * 256]  # <-- NKI304
    named = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.sbuf, name="tmp")
    again = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.sbuf, name="tmp")  # <-- NKI318
    fresh = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=out, src=fresh)  # <-- NKI320
    return x


# nki: args x=float32[128,4,32]
@nki.jit
def views(x):
    t = nl.ndarray((128, 4, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    a = t.permute((1, 0, 2))  # <-- NKI312
    b = t.reshape((64, 256))  # <-- NKI312
    c = t.broadcast(1, 8)  # <-- NKI313
    d = t.squeeze_dim(2)  # <-- NKI313
    e = t.ap([[64, 128], [1, 128]])  # <-- NKI305
    f = t[:, 0:2].ap([[128, 128], [1, 128]])  # <-- NKI306
    g = t.ap([[128, 128], [1, 128]], scalar_offset=1, vector_offset=t)  # <-- NKI307
    h = x.ap([[128, 128], [1, 128]], vector_offset=t, indirect_dim=1)  # <-- NKI308
    i = t.select(0, t)  # <-- NKI310
    j = t.slice(1, 3, 2)  # <-- NKI313
    k = t[5, 0, 40]  # <-- NKI304
    fine = t[0:64, 1:3, :].permute((0, 2, 1)).expand_dim(1).squeeze_dim(1)
    return x
