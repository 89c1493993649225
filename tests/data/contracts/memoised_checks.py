import nki
import nki.isa as nisa
import nki.language as nl

# A call site's value checks are skipped once the same values passed there (`contracts.values_key`); the
# checks that depend on earlier instructions (NKI320, NKI406) still run on every iteration.


# nki: args a=bfloat16[128,1024]
@nki.jit
def fails_after_passing_iterations(a):
    sa = nl.ndarray((128, 1024), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=sa, src=a)
    ps = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    for width in (256, 256, 512, 1024):
        nisa.nc_matmul(dst=ps, stationary=sa[:, 0:128], moving=sa[:, 0:width])  # <-- NKI402
    return a


# nki: args a=bfloat16[128,512]
@nki.jit
def stateful_checks_repeat(a):
    sa = nl.ndarray((128, 512), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=sa, src=a)
    acc = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=sa[:, 0:128], moving=sa)
    for i in range(3):
        target = acc if i < 2 else nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=target, stationary=sa[:, 0:128], moving=sa, accumulate=True)  # <-- NKI406
    for i in range(3):
        src = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
        if i < 2:
            nisa.memset(dst=src, value=0.0)
        out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=out, src=src)  # <-- NKI320
    return a
