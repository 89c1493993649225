"""NKI902 (large unrolled loop nests)."""
import nki
import nki.language as nl


@nki.jit
def kernel(a):
    for i in range(128):  # <-- NKI902
        for j in range(64):
            pass
    for k in range(64):
        for m in range(64):
            pass
    return a
