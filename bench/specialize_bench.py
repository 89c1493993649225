"""Specializer throughput: unrolled instructions emitted per second on a large tiled matmul.

    python bench/specialize_bench.py [--size 4096] [--repeat 3] [--profile] [--root DIR]

Generates an M x K x N bf16 tiled matmul (128-row stationary tiles, 512-column moving tiles, every
loop a Python `range`, so the specializer unrolls all of it), specializes it with the argument facts
in its `# nki: args` pragma and prints instructions/s (median of `--repeat` runs) against the goal of
issue 3 (>= 100,000/s), plus the peak memory per instruction (tracemalloc, a separate run).
`--root` measures another checkout (a "before" figure); `--profile` prints a cProfile of one run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 100_000

KERNEL = """import nki
import nki.isa as nisa
import nki.language as nl


# nki: args lhsT=bfloat16[{K},{M}] rhs=bfloat16[{K},{N}]
@nki.jit
def tiled_matmul(lhsT, rhs):
    K, M = lhsT.shape
    _, N = rhs.shape
    TILE_M = nl.tile_size.gemm_stationary_fmax
    TILE_K = nl.tile_size.pmax
    TILE_N = nl.tile_size.gemm_moving_fmax
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    for m in range(M // TILE_M):
        for n in range(N // TILE_N):
            acc = nl.ndarray((TILE_M, TILE_N), nl.float32, buffer=nl.psum)
            for k in range(K // TILE_K):
                a = nl.ndarray((TILE_K, TILE_M), dtype=lhsT.dtype, buffer=nl.sbuf)
                b = nl.ndarray((TILE_K, TILE_N), dtype=rhs.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=a, src=lhsT[k * TILE_K:(k + 1) * TILE_K, m * TILE_M:(m + 1) * TILE_M])
                nisa.dma_copy(dst=b, src=rhs[nl.ds(k * TILE_K, TILE_K), nl.ds(n * TILE_N, TILE_N)])
                nisa.nc_matmul(dst=acc, stationary=a, moving=b, accumulate=k > 0)
            out = nl.ndarray(acc.shape, dtype=result.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(dst=out, src=acc)
            nisa.dma_copy(dst=result[m * TILE_M:(m + 1) * TILE_M, n * TILE_N:(n + 1) * TILE_N], src=out)
    return result
"""


def specialize_once(path: Path) -> int:
    from nki_compiler.frontend.workspace import Workspace  # noqa: PLC0415  (after --root is applied)
    from nki_compiler.specializer import specialize  # noqa: PLC0415

    workspace = Workspace()
    module = workspace.module(path)
    assert module is not None
    result = specialize(workspace, module, "tiled_matmul")
    errors = [d for d in result.diagnostics if d.severity.name.lower() == "error"]
    if result.program is None or errors:
        raise SystemExit(f"specialization failed: {[d.message for d in result.diagnostics][:5]}")
    return result.program.count()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=4096, help="M = K = N")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose specializer is measured")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(args.root / "compiler"), str(args.root)]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "tiled_matmul.py"
        path.write_text(KERNEL.format(M=args.size, K=args.size, N=args.size), encoding="utf-8")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            specialize_once(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            return 0
        specialize_once(path)  # warm-up: imports and registries
        seconds = []
        count = 0
        for _ in range(args.repeat):
            gc.collect()
            start = time.perf_counter()
            count = specialize_once(path)
            seconds.append(time.perf_counter() - start)
        median = statistics.median(seconds)
        tracemalloc.start()
        specialize_once(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rate = count / median
    size = args.size
    print(
        f"tiled matmul {size}x{size}x{size} (bf16): {count} instructions in {median:.2f} s (median of {args.repeat})"
    )
    verdict = "meets" if rate >= GOAL else "misses"
    print(f"  {rate:,.0f} instructions/s  x{rate / GOAL:.2f} of the goal ({verdict} >= {GOAL:,}/s)")
    print(f"  peak memory {peak / 2**20:.1f} MB, {peak / count:,.0f} bytes per instruction")
    return 0


if __name__ == "__main__":
    sys.exit(main())
