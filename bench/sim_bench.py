"""Simulator speed: simulated time over the NumPy reference for whole kernels and for one instruction.

    python bench/sim_bench.py [--size 2048] [--rows 2048] [--cols 2048] [--repeat 7] [--profile NAME]

Kernels (bench/kernels/, bf16 inputs, fp32 math and output): a `--size`^3 tiled matmul (nc_matmul into
PSUM), a row softmax and an RMSNorm over `--rows` x `--cols`. "simulated" is `nki.simulate(kernel)(...)`
on a warm compile cache (compiling, through the same cache, is timed separately as "compile"); "numpy" is the
same formula in NumPy with the same dtype flow. The two run alternately `--repeat` times, so both see the
same load and the same state of the memory allocator, and each figure is the median of its runs, in wall
time and in CPU time of the process (steadier on a shared machine; with multithreaded BLAS it counts every
thread). Per instruction: the extra time of a 128x512 fp32 `tensor_tensor` add (kernels with 2n and n =
`--reps` of them, timed alternately 3 x `--repeat` times: the difference of the medians over n) against the
bare `np.add(a, b, out=c)`, in CPU time. Each measurement runs in a new process: NumPy's timings depend on
the state the earlier ones left the memory allocator in (the softmax reference allocating 16 MB arrays took
8x longer after the matmul case than alone). Goals (issue 4): <= 5x for whole kernels, <= 2x per
instruction (judged on wall time for kernels). `--profile NAME` prints a cProfile of one simulated run of
NAME instead (`add`: the kernel of `--reps` adds).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from kernels.matmul import tiled_matmul  # noqa: E402
from kernels.repeated_add import repeated_add  # noqa: E402
from kernels.rmsnorm import rmsnorm  # noqa: E402
from kernels.softmax import row_softmax  # noqa: E402

import nki  # noqa: E402
from nki._runtime import _to_numpy_arguments, compile_kernel  # noqa: E402

KERNEL_GOAL = 5.0
INSTRUCTION_GOAL = 2.0
EPS = 1e-6


@dataclass
class Case:
    name: str
    kernel: Any
    args: tuple[Any, ...]
    reference: Callable[[], np.ndarray]


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(fn: Callable[[], Any], inner: int = 1) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(inner):
        fn()
    return Timing((time.perf_counter() - wall) / inner, (time.process_time() - cpu) / inner)


def interleaved(fns: list[Callable[[], Any]], repeat: int, inner: int = 1) -> list[Timing]:
    """Each function's median wall and CPU time over `repeat` rounds that run them one after the other."""
    runs: list[list[Timing]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, times in zip(fns, runs, strict=True):
            times.append(timed(fn, inner))
    return [
        Timing(statistics.median(t.wall for t in times), statistics.median(t.cpu for t in times))
        for times in runs
    ]


def cases(size: int, rows: int, cols: int) -> list[Case]:
    rng = np.random.default_rng(0)
    a_t = rng.standard_normal((size, size)).astype(ml_dtypes.bfloat16)
    b = rng.standard_normal((size, size)).astype(ml_dtypes.bfloat16)
    x = rng.standard_normal((rows, cols)).astype(ml_dtypes.bfloat16)

    def matmul_ref() -> np.ndarray:
        return a_t.astype(np.float32).T @ b.astype(np.float32)

    def softmax_ref() -> np.ndarray:
        xf = x.astype(np.float32)
        e = np.exp(xf - xf.max(axis=1, keepdims=True))
        return e * (np.float32(1) / e.sum(axis=1, keepdims=True))

    def rmsnorm_ref() -> np.ndarray:
        xf = x.astype(np.float32)
        return xf * (np.float32(1) / np.sqrt((xf * xf).mean(axis=1, keepdims=True) + np.float32(EPS)))

    return [
        Case(f"matmul {size}^3 bf16", tiled_matmul, (a_t, b), matmul_ref),
        Case(f"softmax {rows}x{cols} bf16", row_softmax, (x,), softmax_ref),
        Case(f"rmsnorm {rows}x{cols} bf16", rmsnorm, (x, EPS), rmsnorm_ref),
    ]


def measure_kernel(case: Case, repeat: int) -> tuple[float, Timing, Timing]:
    """(compile seconds, simulated, numpy); checks the result against the reference."""
    arguments, _ = _to_numpy_arguments(case.kernel, case.args, {})
    start = time.perf_counter()
    compile_kernel(case.kernel, arguments)  # fills the cache `nki.simulate` uses
    compiled = time.perf_counter() - start
    result = nki.simulate(case.kernel)(*case.args)
    expected = case.reference()
    if not np.allclose(result, expected, rtol=2e-3, atol=2e-3):
        raise SystemExit(
            f"{case.name}: simulated result differs from NumPy (max {np.abs(result - expected).max()})"
        )
    simulated, reference = interleaved(
        [lambda: nki.simulate(case.kernel)(*case.args), case.reference], repeat
    )
    return compiled, simulated, reference


def add_operands() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((128, 512)).astype(np.float32) for _ in range(2))
    return a, b


def measure_instruction(repeat: int, reps: int) -> tuple[float, float]:
    """(CPU seconds per simulated 128x512 fp32 tensor_tensor, per bare np.add) for one add."""
    a, b = add_operands()
    for n in (reps, 2 * reps):
        assert np.array_equal(nki.simulate(repeated_add)(a, b, n), a + b)  # compiles both, checks values
    single, double = interleaved(
        [lambda: nki.simulate(repeated_add)(a, b, reps), lambda: nki.simulate(repeated_add)(a, b, 2 * reps)],
        3 * repeat,  # short runs, so more of them
    )
    out = np.empty_like(a)
    (bare,) = interleaved([lambda: np.add(a, b, out=out)], max(repeat, 5), inner=2000)
    return (double.cpu - single.cpu) / reps, bare.cpu


def profile(kernel: Any, args: tuple[Any, ...]) -> None:
    nki.simulate(kernel)(*args)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: nki.simulate(kernel)(*args))
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def verdict(ratio: float, goal: float) -> str:
    return "ok" if ratio <= goal else "over goal"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048, help="matmul M = K = N (multiple of 512)")
    parser.add_argument("--rows", type=int, default=2048, help="softmax/RMSNorm rows (multiple of 128)")
    parser.add_argument("--cols", type=int, default=2048, help="softmax/RMSNorm columns")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reps", type=int, default=500, help="adds in the shorter per-instruction kernel")
    parser.add_argument("--profile", choices=("matmul", "softmax", "rmsnorm", "add"))
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)  # one measurement (in its own process)
    args = parser.parse_args(argv)
    all_cases = cases(args.size, args.rows, args.cols)
    if args.profile == "add":
        profile(repeated_add, (*add_operands(), args.reps))
        return 0
    if args.profile:
        case = next(c for c in all_cases if c.name.startswith(args.profile))
        profile(case.kernel, case.args)
        return 0
    if args.case is not None:
        print(measured_line(args, args.case), flush=True)
        return 0
    print(f"{'kernel':<24} {'compile':>8} {'simulated':>10} {'numpy':>9} {'ratio':>6} {'cpu ratio':>9}"
          f"  goal <= {KERNEL_GOAL:g}x", flush=True)  # fmt: skip
    for index in range(len(all_cases) + 1):  # each in a new process: see the module's documentation
        options = argv if argv is not None else sys.argv[1:]
        done = subprocess.run([sys.executable, __file__, *options, "--case", str(index)], check=False)
        if done.returncode:
            return done.returncode
    return 0


def measured_line(args: argparse.Namespace, index: int) -> str:
    """Case `index` of `cases` (the last index: the per-instruction overhead), measured, as one line."""
    all_cases = cases(args.size, args.rows, args.cols)
    if index < len(all_cases):
        case = all_cases[index]
        compiled, simulated, reference = measure_kernel(case, args.repeat)
        ratio, cpu_ratio = simulated.wall / reference.wall, simulated.cpu / reference.cpu
        return (f"{case.name:<24} {compiled:>7.3f}s {simulated.wall:>9.4f}s {reference.wall:>8.4f}s {ratio:>5.2f}x"
                f" {cpu_ratio:>8.2f}x  {verdict(ratio, KERNEL_GOAL)}")  # fmt: skip
    per_instruction, bare = measure_instruction(args.repeat, args.reps)
    ratio = per_instruction / bare
    return (f"tensor_tensor 128x512 fp32: {per_instruction * 1e6:.1f} us per instruction, np.add {bare * 1e6:.1f} us, "
            f"{ratio:.2f}x  goal <= {INSTRUCTION_GOAL:g}x  {verdict(ratio, INSTRUCTION_GOAL)}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
