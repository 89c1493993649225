"""NKI113/NKI402/NKI517: Beta-1 values whose 0.6 buffer or dtype differs (identity constants, PSUM results)."""
import numpy as np
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def identity_constants(v):
    out = nl.ndarray((128, 128), dtype=v.dtype, buffer=nl.shared_hbm)
    identity = nl.shared_constant(np.identity(128, dtype=np.int8), dtype=v.dtype)  # <-- NKI113
    eye = nl.shared_constant(np.eye(128), dtype=nl.bfloat16)  # <-- NKI113
    ramp = nl.shared_constant(np.arange(128), dtype=nl.float32)  # <-- NKI113
    shifted = nl.shared_constant(np.eye(128, k=1), dtype=nl.float32)  # <-- NKI113
    plain = nl.shared_constant(np.identity(128, dtype=np.float32))
    identity_sbuf = nl.ndarray((128, 128), dtype=v.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=identity_sbuf, src=identity)
    nisa.dma_copy(dst=out, src=identity_sbuf)
    return out, eye, ramp, shifted, plain


@nki.jit
def transposed_operand(q, k, v):
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    q_sbuf = nl.load(q)
    k_sbuf = nl.load(k)
    v_sbuf = nl.load(v)
    scores = nl.copy(nl.matmul(q_sbuf, k_sbuf, transpose_x=True))
    v_t = nl.transpose(v_sbuf)
    attn = nl.matmul(scores, v_t, transpose_x=False)  # <-- NKI402
    k_t = nl.transpose(k_sbuf)
    both = nl.matmul(k_t, nl.transpose(v_sbuf), transpose_x=True)  # <-- NKI402 NKI402
    nl.store(out, value=attn)  # <-- NKI517
    nl.store(out, value=both)  # <-- NKI517
    return out


@nki.jit
def already_in_sbuf(q, k):
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    q_sbuf = nl.load(q)
    k_sbuf = nl.load(k)
    k_t = nl.copy(nl.transpose(k_sbuf))
    x_t = nl.transpose(q_sbuf)
    attn = nl.copy(nl.matmul(x_t, k_t, transpose_x=False))
    nl.store(out, value=attn)
    return out
