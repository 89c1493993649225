"""Run examples/matmul_kernel.py on the CPU with `nki.simulate` and compare with NumPy.

.venv/bin/python examples/simulate_matmul.py
"""

import ml_dtypes
import numpy as np
from matmul_kernel import matmul_kernel

import nki

rng = np.random.default_rng(0)
a_t = rng.standard_normal((256, 256)).astype(ml_dtypes.bfloat16)
b = rng.standard_normal((256, 1024)).astype(ml_dtypes.bfloat16)

c = nki.simulate(matmul_kernel)(a_t, b)
reference = a_t.astype(np.float32).T @ b.astype(np.float32)
print(f"nki {nki.__version__}: C {c.dtype}{list(c.shape)}, max |C - ref| = {np.abs(c - reference).max():.3g}")
assert np.allclose(c, reference, atol=1e-3, rtol=1e-3)
print("matches NumPy")
