"""NKI539/NKI540: Beta-1 index grids rewritten to slices (and the forms that have no exact slice)."""
import neuronxcc.nki as nki  # <-- NKI537
import neuronxcc.nki.isa as nisa  # <-- NKI537
import neuronxcc.nki.language as nl  # <-- NKI537


@nki.jit
def inline_and_objects(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    x = nl.load(a[nl.mgrid[0:128, 0:512]])  # <-- NKI539
    g = nl.mgrid[0:128, 0:512]  # <-- NKI539
    nl.store(out[g.p, g.x], value=x)
    return out


@nki.jit
def redefined_grids(a, b):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    i_p = nl.arange(128)[:, None]  # <-- NKI539
    i_f = nl.arange(512)[None, :]  # <-- NKI539
    x = nl.load(a[i_p, i_f])
    i_p = nl.arange(64)[:, None]  # <-- NKI539
    i_f = nl.arange(256)[None, :]  # <-- NKI539
    y = nl.load(b[i_p, i_f])
    nl.store(out[i_p, i_f], value=y)
    return out


@nki.jit
def scaled_and_derived(a, n):
    out = nl.ndarray((64, 256), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    ip, jf = nl.mgrid[0:64, 0:256]  # <-- NKI539
    for i in nl.affine_range(4):  # <-- NKI503
        rows = i * 64 + ip
        x = nl.load(a[rows, 2 * jf + 1], mask=(rows < n))  # <-- NKI540
        nl.store(out[ip, jf], value=x)
    return out


@nki.jit
def shared_by_nested_helpers(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    ip, _ = nl.mgrid[0:128, 0:1]  # <-- NKI539

    def copy_column(j):  # <-- NKI009
        x = nl.load(a[ip, j])
        nl.store(out[ip, j], value=x)

    for j in nl.affine_range(512):  # <-- NKI503
        copy_column(j)
    return out


@nki.jit
def transposed_store(a):
    out = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    ip = nl.arange(128)[:, None]  # <-- NKI539
    jf = nl.arange(64)[None, :]  # <-- NKI539
    x = nl.load(a[ip, jf])
    nl.store(out[jf, ip], value=x)
    return out


@nki.jit
def no_exact_slice(a):
    out = nl.ndarray((64, 128), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    x = nl.load(a[0:64, 0:64])
    ip = nl.arange(64)[:, None]  # <-- NKI539
    jf = nl.arange(64)[None, :]  # <-- NKI539
    y = nl.copy(x[jf, ip])
    nl.store(out[ip, ip * 0 - ip], value=y)
    return out


@nki.jit
def compile_time_masks(a, n):
    out = nl.ndarray((512, 512), dtype=a.dtype, buffer=nl.shared_hbm)  # <-- NKI510
    buf = nl.ndarray((128, 4, 512), dtype=a.dtype, buffer=nl.sbuf)
    g = nl.mgrid[0:128, 0:512]  # <-- NKI539
    for i in nl.affine_range(4):  # <-- NKI503
        in_range = i * 128 < n
        buf[g.p, i, g.x] = nl.load(a[i * 128 + g.p, g.x], mask=(i * 128 < n) & (g.x < 300))  # <-- NKI316 NKI540
        nl.store(out[i * 128 + g.p, g.x], value=buf[g.p, i, g.x], mask=in_range)  # <-- NKI540
        maybe = i * 128 < n if n > 0 else None
        nl.store(out[i * 128 + g.p, g.x], value=buf[g.p, i, g.x], mask=maybe)  # <-- NKI540
    return out


@nki.jit
def iota_grids():
    out = nl.ndarray((128, 64), dtype=nl.int32, buffer=nl.shared_hbm)  # <-- NKI510
    ip = nl.arange(128)[:, None]  # <-- NKI539
    jf = nl.arange(1, 65)[None, :]  # <-- NKI539
    t = nisa.iota(3 + 2 * ip - jf, dtype=nl.int32)  # <-- NKI553 NKI556
    nl.store(out[ip, jf - 1], value=t)
    return out


@nki.jit
def causal_select(scores, q_tile, k_tile):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)  # <-- NKI510
    s = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    ip, jf = nl.mgrid[0:128, 0:512]  # <-- NKI539
    q_pos = q_tile * 128 + ip
    k_pos = k_tile * 512 + jf
    causal = q_pos >= k_pos
    sc = nl.load(scores[ip, jf])
    nisa.affine_select(s[ip, jf], pred=causal, on_true_tile=sc, on_false_value=-9984.0)  # <-- NKI401 NKI555
    nisa.dma_copy(dst=out, src=s)
    return out
