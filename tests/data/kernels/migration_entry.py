"""NKI5xx: legacy imports, entry points, decorator options, kernel signatures, launches and outputs."""
import numpy as np
import neuronxcc.nki as nki  # <-- NKI537
import neuronxcc.nki.language as nl  # <-- NKI537
from neuronxcc.nki import isa as nisa  # <-- NKI537
from torch_neuronx import nki_jit
import jax_neuronx


@nki.jit(mode="simulation", platform_target="trn2")  # <-- NKI515 NKI516
def legacy_options(a, b=[1, 2], *, c=3):  # <-- NKI531 NKI533
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.hbm)  # <-- NKI510
    nisa.dma_copy(dst=out, src=a)
    return out  # <-- NKI527


@nki.baremetal  # <-- NKI558
def removed_decorator(a):
    return a


@nki_jit  # <-- NKI560
def torch_kernel(a):
    return a


@nki.jit
def onchip_output(a):
    t = nl.ndarray((128, 512), dtype=nl.float32)  # <-- NKI510
    return t


@nki.jit
def good_kernel(a: nki.tensor, scale=(1, 2)):  # <-- NKI510 NKI552
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    return out


def host():
    x = np.zeros((128, 512), dtype=np.float32)
    legacy_options(x, [3])  # <-- NKI533
    nki.simulate_kernel(legacy_options, x)  # <-- NKI558
    jax_neuronx.nki_call(good_kernel, x, out_shape=x)  # <-- NKI561
    good_kernel(x, (1, 2))
