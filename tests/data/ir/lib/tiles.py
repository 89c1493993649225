"""Helpers imported by tests/data/ir/cross_module.py (not a kernel file itself)."""

import nki.isa as nisa
import nki.language as nl

TILE = 128


def load_tile(src, rows, cols):
    tile = nl.ndarray((rows, cols), dtype=src.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=src)
    return tile


def scale_into(dst, src, factor=2.0):
    nisa.tensor_scalar(dst=dst, data=src, op0=nl.multiply, operand0=factor)
