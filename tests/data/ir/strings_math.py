import math

import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,100] name='layer'
@nki.jit
def strings_math_kernel(x, name):
    n = x.shape[1]
    chunks = math.ceil(n / 32)
    widths = []
    for c in range(chunks):
        widths.append(min(32, n - c * 32))
    label = "-".join([name.upper(), str(chunks)])
    info = {"label": label, "widths": tuple(widths), "log": math.log2(64), "gcd": math.gcd(96, 128)}
    print(f"{label}: {info['widths']!r} {info['log']} {info['gcd']} {sum(widths)} {sorted(widths)[0]}")
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for c, w in zip(range(chunks), widths):
        t = nl.ndarray((128, w), dtype=x.dtype, buffer=nl.sbuf, name=f"{name}_chunk{c}")
        nisa.dma_copy(dst=t, src=x[:, c * 32:c * 32 + w])
        nisa.dma_copy(dst=out[:, c * 32:c * 32 + w], src=t)
    return out
