"""Kernels taking host-built `NKIObject` settings and enum members as arguments (test data)."""

from dataclasses import dataclass
from enum import Enum

import nki
import nki.isa as nisa
import nki.language as nl


class Mode(Enum):
    SCALE = 1
    SHIFT = 2


@dataclass
class Settings(nl.NKIObject):
    factor: float = 2.0
    mode: Mode = Mode.SCALE


class Offsets(nl.NKIObject):
    def __init__(self, first, second):
        self.total = first + second


@nki.jit
def configured_kernel(x, settings: Settings):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    if settings.mode == Mode.SCALE:
        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=settings.factor)
    else:
        nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=settings.factor)
    nisa.dma_copy(dst=out, src=t)
    return out


@nki.jit
def offset_kernel(x, offsets, mode):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    shift = offsets[0].total if mode == Mode.SHIFT else 0.0
    nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=shift)
    nisa.dma_copy(dst=out, src=t)
    return out
