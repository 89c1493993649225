import nki
import nki.isa as nisa
import nki.language as nl


def _two_chains(a_ptr, b_ptr, out):
    a = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    b = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=a_ptr, name="load_a")
    nisa.dma_copy(dst=b, src=b_ptr, name="load_b")
    exp_a = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    first = nisa.activation(dst=exp_a, op=nl.exp, data=a, name="exp_a")
    twice_b = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.sbuf)
    second = nisa.tensor_scalar(dst=twice_b, data=b, op0=nl.multiply, operand0=2.0, name="scale_b")
    nisa.dma_copy(dst=out[0:128, 0:512], src=exp_a, name="store_a")
    nisa.dma_copy(dst=out[128:256, 0:512], src=twice_b, name="store_b")
    return first, second


# nki: args a_ptr=float32[128,512] b_ptr=float32[128,512]
@nki.jit
def free_kernel(a_ptr, b_ptr):
    out = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    _two_chains(a_ptr, b_ptr, out)
    return out


# nki: args a_ptr=float32[128,512] b_ptr=float32[128,512]
@nki.jit
def ordered_kernel(a_ptr, b_ptr):
    out = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    with nl.no_reorder():
        _two_chains(a_ptr, b_ptr, out)
    return out


# nki: args a_ptr=float32[128,512] b_ptr=float32[128,512]
@nki.jit
def depends_kernel(a_ptr, b_ptr):
    out = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    first, second = _two_chains(a_ptr, b_ptr, out)
    second.depends_on(first)
    return out


# nki: args a_ptr=float32[128,512] b_ptr=float32[128,512]
@nki.jit
def scheduled_kernel(a_ptr, b_ptr):
    out = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    _two_chains(a_ptr, b_ptr, out)
    return out


scheduled = scheduled_kernel.with_schedule([("scale_b", "exp_a"), ("store_b", ["store_a", "load_a"])])
