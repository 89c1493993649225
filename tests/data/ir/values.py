from dataclasses import dataclass
from enum import Enum

import nki
import nki.isa as nisa
import nki.language as nl


class Mode(Enum):
    ADD = 1
    MUL = 2


@dataclass
class Config(nl.NKIObject):
    tile: int = 128
    mode: Mode = Mode.ADD

    def __post_init__(self):
        self.half = self.tile // 2

    def op(self):
        if self.mode == Mode.ADD:
            return nl.add
        return nl.multiply


def pick_sizes(n, step=2, limit=None):
    sizes = []
    i = 0
    while True:
        i += 1
        if i % step == 0:
            continue
        if limit is not None and i > limit:
            break
        sizes.append(i)
    return sizes


# nki: args x=float32[128,64] scale=3 names=("a", "b")
@nki.jit
def values_kernel(x, scale, names):
    cfg = Config(tile=64, mode=Mode.MUL)
    table = {"rows": x.shape[0], "cols": x.shape[1]}
    sizes = pick_sizes(10, limit=5)
    print(f"cfg={cfg.tile} half={cfg.half} mode={cfg.mode.name} sizes={sizes} {len(names)}")
    for key, value in table.items():
        print(key, value)
    total = 0
    for s in sizes:
        total += s * scale
    assert total == 27, f"unexpected total {total}"
    tile = nl.ndarray((table["rows"], cfg.tile), dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=x)
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    res = nl.ndarray(tile.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.tensor_scalar(dst=res, data=tile, op0=cfg.op(), operand0=float(min(total, 4)))
    nisa.dma_copy(dst=out, src=res)
    return out
