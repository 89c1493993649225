from enum import Enum

import nki
import nki.isa as nisa
import nki.language as nl


class Act(Enum):
    RELU = "relu"
    EXP = "exp"
    NONE = "none"


FUNCTIONS = {Act.RELU.value: nl.relu, Act.EXP.value: nl.exp}


# nki: args x=float32[128,16] acts=("relu", "none", "exp", "stop", "relu")
@nki.jit
def enum_kernel(x, acts):
    t = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    applied = []
    for name in acts:
        if name == "stop":
            break
        act = Act(name) if name in ("relu", "exp", "none") else Act.NONE
        if act is Act.NONE:
            continue
        nisa.activation(dst=t, op=FUNCTIONS[act.value], data=t)
        applied.append(act.name)
    print("applied", applied)
    out = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    return out
