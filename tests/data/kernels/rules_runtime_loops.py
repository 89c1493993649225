"""NKI203-NKI210, NKI213, NKI214: runtime loops and registers."""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def fori(a):
    t = nl.ndarray((32, 512), dtype=nl.float32, buffer=nl.sbuf)
    out = nl.ndarray((1, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    trips = []
    count = 0
    scratch = nisa.register_alloc(0)

    def body(i):
        nisa.dma_copy(dst=t, src=a[i * 32:(i + 1) * 32, :])  # <-- NKI203
        nisa.dma_copy(dst=t, src=a.ap([[512, 32], [1, 512]], scalar_offset=i, indirect_dim=0))
        nisa.register_move(i, 0)  # <-- NKI204
        nisa.register_move(scratch, i)
        tmp = nl.ndarray((1, 512), dtype=nl.float32, buffer=nl.sbuf)
        trips.append(1)  # <-- NKI210
        if i == 0:  # <-- NKI203
            return i  # <-- NKI207

    nl.fori_loop(0, 4, body)
    nl.fori_loop(0, 8, body, step=scratch)  # <-- NKI205
    nl.fori_loop(0, 8, body, step=0)  # <-- NKI205
    nl.fori_loop(0, 8, body, step=2)
    with nl.no_reorder():
        nl.fori_loop(0, 4, body)  # <-- NKI206
    if nl.program_id(0) == 0:
        nl.fori_loop(0, 4, body)  # <-- NKI214
    nisa.dma_copy(dst=out, src=tmp)  # <-- NKI209
    return out


@nki.jit
def while_loops(a):
    flag = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=flag, src=a[0:1, 0:1])
    reg = nisa.register_alloc()
    nisa.register_load(reg, flag)

    def missing(r):  # <-- NKI208
        nisa.register_load(r, flag)

    def good(r):
        nisa.register_load(r, flag)
        return r

    def wrong(r):
        return flag  # <-- NKI208

    nl.while_loop(reg, missing)
    nl.while_loop(reg, good)
    nl.while_loop(reg, wrong)
    if reg:  # <-- NKI213
        pass
    return a


@nki.jit
def dynamic(a):
    cond = nisa.register_alloc(4)
    total = 0
    for i in nl.dynamic_range(0, cond):  # <-- NKI501
        total += 1  # <-- NKI210
        if i == 0:  # <-- NKI203
            break  # <-- NKI207
        for j in range(2):
            if j == 1:
                continue
    return a
