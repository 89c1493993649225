"""NKI547: Beta-1 hand allocation (`mod_alloc` through aliases, allocator classes or directly) → compiler placement."""
import nki
import nki.compiler as ncc
import nki.isa as nisa
import nki.language as nl

sb_mod = nki.compiler.sbuf.mod_alloc  # <-- NKI547
psum_mod = nki.compiler.psum.mod_alloc  # <-- NKI547


class Allocator:
    def __init__(self):
        self.offset = 0

    def allocate(self, size, num_buffers=1):
        address = self.offset
        self.offset += size * num_buffers * 4
        return sb_mod(base_addr=address, num_free_tiles=(num_buffers,))
        # return nl.sbuf


allocator = Allocator()


@nki.jit
def pinned(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray((128, 512), dtype=a.dtype, buffer=allocator.allocate(size=512))  # <-- NKI547
    u = nl.ndarray((128, 512), dtype=a.dtype, buffer=sb_mod(base_addr=4096))  # <-- NKI547
    p = nl.ndarray((128, 512), dtype=nl.float32, buffer=psum_mod(base_bank=0, num_bank_tiles=(1,)))  # <-- NKI547
    w = nl.ndarray((128, 512), dtype=a.dtype, buffer=ncc.sbuf.mod_alloc(base_addr=8192))  # <-- NKI547
    nisa.dma_copy(dst=t, src=a)
    nisa.tensor_copy(dst=u, src=t)
    nisa.tensor_copy(dst=p, src=u)
    nisa.tensor_copy(dst=w, src=p)
    nisa.dma_copy(dst=out, src=w)
    return out


def scratch_buffer():
    return nl.sbuf


@nki.jit
def placed(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray((128, 512), dtype=a.dtype, buffer=scratch_buffer())
    nisa.dma_copy(dst=t, src=a)
    nisa.dma_copy(dst=out, src=t)
    return out
