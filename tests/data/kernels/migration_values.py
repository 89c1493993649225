"""NKI5xx: Beta-1 results and values: numpy operators, `nl.fp32` limits, value-returning statistics,
reductions and selections (allocated from the documented output shapes, or written into the view)."""
import numpy as np
import nki
import nki.isa as nisa
import nki.language as nl
from nki.typing import tensor


@nki.jit
def values(a, bounds):
    out = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.load(a[0:128, 0:512])
    b = nl.load(bounds[0:128, 0:1])
    sq = nisa.activation(op=np.square, data=x)  # <-- NKI026 NKI401
    stats: tensor[128, 6] = nisa.bn_stats(x)  # <-- NKI401
    moments = nisa.bn_aggr(stats)  # <-- NKI401
    total = nisa.tensor_reduce(np.add, x[0:128, 0:512], axis=[1])  # <-- NKI026 NKI401
    column = nisa.tensor_partition_reduce(np.add, x)  # <-- NKI026 NKI401
    top = nisa.max8(src=x)  # <-- NKI401
    xt = nisa.nc_transpose(x[0:128, 0:128], engine=nisa.engine.vector)  # <-- NKI401
    picked = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    picked[...] = nisa.range_select(  # <-- NKI316
        on_true_tile=sq,
        comp_op0=nl.greater_equal,
        comp_op1=nl.less,
        bound0=b,
        bound1=b,
        reduce_op=np.max,  # <-- NKI026
        on_false_value=nl.fp32.min,  # <-- NKI539
    )
    nl.store(out, value=moments)
    return out
