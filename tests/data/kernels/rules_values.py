"""NKI023, NKI025, NKI029, NKI101-103, NKI111, NKI115, NKI201, NKI211: values and containers."""
import nki
import nki.isa as nisa
import nki.language as nl

TILE_ROWS = [128]
FIXED = (128,)
NAMES = {"a": 1}


def shrink():
    TILE_ROWS.append(64)


@nki.jit
def kernel(a):
    sizes = [0, 0]
    first = sizes[0] = a.shape[0]  # <-- NKI023
    sizes[1] = a.shape[1]
    ok = 128 in a.shape == True  # <-- NKI025
    fine = (128 in a.shape) == True
    cfg = {"rows": 128, "cols": 512}
    for key in cfg:  # <-- NKI029
        pass
    for key in cfg.keys():
        pass
    for ch in "abc":  # <-- NKI029
        pass
    by_index = {0: a, "1": a}  # <-- NKI101
    cfg[2] = 3  # <-- NKI101
    big = 4294967296  # <-- NKI102
    small = -2147483648
    folded = 1 << 40  # <-- NKI102
    fits = 2147483647
    eps = 1e-50  # <-- NKI103
    huge = 3e39  # <-- NKI103
    normal = 1e-6
    rows = TILE_ROWS[-1] + FIXED[0] + NAMES["a"]  # <-- NKI111
    if "rows" in cfg:  # <-- NKI115
        pass
    if "rows" in cfg.keys() and "x" in ("x", "y"):
        pass
    t = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a[0:1, 0:1])
    if t:  # <-- NKI201
        pass
    if t[0, 0] == 1:  # <-- NKI201
        pass
    assert not t  # <-- NKI201
    if t.shape[0] == 1 and t is not None:
        pass
    n = a.shape[1]
    while True:  # <-- NKI211
        n = n // 2
    while True:
        if n < 2:
            break
        n = n // 2
    while n > 512:
        n = n // 2
    return a
