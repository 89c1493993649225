"""Back-end figures: the NKI tutorial matmul kernels ranked by estimated latency, and back-end speed.

python bench/backend_bench.py                 # [4096,8192] @ [8192,8192] bf16 on trn1 (slow: specializes ~100k ops)
python bench/backend_bench.py --size 1024 2048 2048
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nki_compiler.backend import from_program, run_model
from nki_compiler.backend.cost_model import pe_peak_flops
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer import specialize
from nki_compiler.specializer.emit import Budgets
from nki_compiler.specializer.facts import TensorFact

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TUTORIAL = CORPUS / "aws-neuron-sdk/nki/examples/matrix_multiplication/matrix_multiplication_nki_kernels.py"
KERNELS = ("nki_matmul_tiled_", "nki_matmul_hoist_load_", "nki_matmul_block_free_dimension_",
           "nki_matmul_fully_optimized_")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", nargs=3, type=int, default=(4096, 8192, 8192), metavar=("M", "K", "N"))
    parser.add_argument("--target", default="trn1")
    args = parser.parse_args()
    if not TUTORIAL.is_file():
        print(f"corpus not found: {TUTORIAL}")
        return 0
    m, k, n = args.size
    facts = {"lhsT": TensorFact("bfloat16", (k, m)), "rhs": TensorFact("bfloat16", (k, n))}
    workspace = Workspace()
    module = workspace.module(str(TUTORIAL))
    assert module is not None
    print(
        f"[{m},{k}] @ [{k},{n}] bf16 on {args.target}; peak {pe_peak_flops(args.target) / 1e12:.1f} TFLOP/s"
    )
    backend_seconds, adapter_seconds, backend_ops = 0.0, 0.0, 0
    for kernel in KERNELS:
        started = time.perf_counter()
        result = specialize(workspace, module, kernel, facts, args.target, Budgets(seconds=3600.0))
        specialized = time.perf_counter() - started
        if result.program is None:
            print(f"  {kernel:<34} not specialized: {[d.message for d in result.diagnostics][:2]}")
            continue
        started = time.perf_counter()
        model = from_program(result.program)
        adapted = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        backend = run_model(model)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        ops = len(backend.model.ops())
        backend_seconds, adapter_seconds, backend_ops = (
            backend_seconds + elapsed,
            adapter_seconds + adapted,
            backend_ops + ops,
        )
        latency = backend.schedule.latency * 1e-9
        hfu = 2 * m * n * k / (latency * pe_peak_flops(args.target))
        print(f"  {kernel:<34} {latency * 1e3:9.3f} ms  HFU {100 * hfu:5.1f}%  ({ops} instructions, "
              f"specialize {specialized:.1f} s, IR -> model {adapted:.2f} s, allocation + scheduling {elapsed:.2f} s, CPU {cpu:.2f} s)")  # fmt: skip
    if backend_ops:
        per = 10_000 / backend_ops
        print(
            f"allocation + scheduling: {backend_seconds * per:.3f} s per 10,000 instructions (goal <= 0.5 s); "
            f"IR -> model adapter: {adapter_seconds * per:.3f} s per 10,000"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
