"""Small hand-built IR programs for back-end tests."""

from __future__ import annotations

from nki_compiler.backend.builder import ProgramBuilder
from nki_compiler.ir.program import Program


def matmul_tile(target: str = "trn1", n: int = 512) -> Program:
    """Load a [128,n] and a [128,128] tile, one matmul, copy PSUM -> SBUF, store."""
    b = ProgramBuilder("matmul_tile", target)
    a = b.tensor((128, n), "bfloat16", "shared_hbm", "a")
    w = b.tensor((128, 128), "bfloat16", "shared_hbm", "w")
    out = b.tensor((128, n), "float32", "shared_hbm", "out")
    ta, tw = b.tensor((128, n), "bfloat16", "sbuf", "ta"), b.tensor((128, 128), "bfloat16", "sbuf", "tw")
    b.op("dma_copy", dst=b.whole(ta), src=b.whole(a))
    b.op("dma_copy", dst=b.whole(tw), src=b.whole(w))
    ps = b.tensor((128, n), "float32", "psum", "ps")
    b.op("nc_matmul", dst=b.whole(ps), stationary=b.whole(tw), moving=b.whole(ta))
    sb = b.tensor((128, n), "float32", "sbuf", "res")
    b.op("tensor_copy", dst=b.whole(sb), src=b.whole(ps))
    b.op("dma_copy", dst=b.whole(out), src=b.whole(sb))
    return b.program


def resident_matmuls(n: int, count: int = 64, target: str = "trn1") -> Program:
    """`count` matmuls over operands already in SBUF (pure PE work), accumulating into one PSUM tile."""
    b = ProgramBuilder(f"resident_{n}", target)
    moving = b.tensor((128, n), "bfloat16", "sbuf", "moving")
    stationary = b.tensor((128, 128), "bfloat16", "sbuf", "stationary")
    b.op("memset", dst=b.whole(moving), value=0.0)
    b.op("memset", dst=b.whole(stationary), value=0.0)
    ps = b.tensor((128, n), "float32", "psum", "ps")
    for _ in range(count):
        b.op(
            "nc_matmul",
            dst=b.whole(ps),
            stationary=b.whole(stationary),
            moving=b.whole(moving),
            accumulate=True,
        )
    return b.program


def streamed(tiles: int, double_buffer: bool, target: str = "trn1") -> Program:
    """Load a tile, scale it on the Scalar engine, store it; one or two SBUF tiles in rotation."""
    b = ProgramBuilder("streamed", target)
    src = b.tensor((128 * tiles, 2048), "bfloat16", "shared_hbm", "src")
    dst = b.tensor((128 * tiles, 2048), "bfloat16", "shared_hbm", "out")
    buffers = [b.tensor((128, 2048), "bfloat16", "sbuf", f"buf{i}") for i in range(2 if double_buffer else 1)]
    for t in range(tiles):
        tile = buffers[t % len(buffers)]
        b.op("dma_copy", dst=b.whole(tile), src=b.view(src, (128 * t, 128), (0, 2048)))
        b.op("activation", dst=b.whole(tile), data=b.whole(tile), op="exp")
        b.op("dma_copy", dst=b.view(dst, (128 * t, 128), (0, 2048)), src=b.whole(tile))
    return b.program


def overflow(memory: str) -> Program:
    """Tiles that are all live at once and need more than the memory holds."""
    b = ProgramBuilder(f"overflow_{memory}", "trn1")
    count, shape = (4, (128, 15360)) if memory == "sbuf" else (9, (128, 512))
    dtype = "float32"
    tiles = [b.tensor(shape, dtype, memory, f"t{i}") for i in range(count)]
    for tile in tiles:
        b.op("memset", dst=b.whole(tile), value=0.0)
    sink = b.tensor((128, 4), "float32", "sbuf", "sink")
    for tile in tiles:
        b.op("tensor_reduce", dst=b.whole(sink), data=b.whole(tile), op="add", axis=1)
    return b.program


def looped(target: str = "trn1") -> Program:
    """A runtime loop: a tile used inside it stays resident for the whole loop."""
    b = ProgramBuilder("looped", target)
    src = b.tensor((128, 512), "float32", "shared_hbm", "src")
    acc = b.tensor((128, 512), "float32", "sbuf", "acc")
    b.op("memset", dst=b.whole(acc), value=0.0)
    with b.loop(8):
        tmp = b.tensor((128, 512), "float32", "sbuf", "tmp")
        b.op("dma_copy", dst=b.whole(tmp), src=b.whole(src))
        b.op("tensor_tensor", dst=b.whole(acc), data1=b.whole(acc), data2=b.whole(tmp), op="add")
    after = b.tensor((128, 512), "float32", "sbuf", "after")
    b.op("tensor_copy", dst=b.whole(after), src=b.whole(acc))
    b.op("dma_copy", dst=b.whole(src), src=b.whole(after))
    return b.program
