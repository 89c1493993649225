"""Instruction cost model per target: a table of hardware figures, each with its source or assumption.

Sources: "API §1.2" = ../shared/spec/nki-api.md §1.2 (per-generation table, from the Neuron architecture
guides); "API §4.x" = the same file's instruction notes. "ASSUMPTION" marks a figure we chose because
no public source gives it; every estimate depends on these, so keep them here and nowhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nki_compiler.backend.model import Op


@dataclass(frozen=True)
class Figure:
    value: float
    source: str


@dataclass(frozen=True)
class Hardware:
    target: str
    figures: dict[str, Figure]

    def __getitem__(self, key: str) -> float:
        return self.figures[key].value


def _table(rows: list[tuple[str, float, float, float, str]]) -> dict[str, Hardware]:
    result: dict[str, Hardware] = {}
    for column, target in enumerate(("trn1", "trn2", "trn3")):
        figures = {
            key: Figure(values[column], source)
            for key, *values, source in ((r[0], r[1], r[2], r[3], r[4]) for r in rows)
        }
        result[target] = Hardware(target, figures)
    return result


#: key, trn1, trn2, trn3, source
ROWS: list[tuple[str, float, float, float, str]] = [
    ("pe_clock_ghz", 2.8, 2.4, 2.4, "API §1.2 TensorE clock"),
    ("pe_rows", 128, 128, 128, "API §1.1: 128x128 systolic array"),
    ("pe_cols", 128, 128, 128, "API §1.1: 128x128 systolic array"),
    ("pe_cycles_per_column_16bit", 1, 1, 1, "API §4.2: MM interval ~max(N,64) cycles for 16-bit; 92/79 TF peaks"),
    ("pe_cycles_per_column_fp8", 1, 0.5, 0.5, "API §1.2: trn1 cFP8 = BF16 rate; trn2/3 FP8 at 2x (158 vs 79 TF)"),
    ("pe_cycles_per_column_fp32", 4, 4, 4, "API §4.2: ~4x for fp32; 23/20 TF FP32 peaks"),
    ("pe_min_cycles", 64, 64, 64, "API §4.2: MM interval max(N, 64)"),
    ("pe_load_stationary_speedup", 4, 4, 4, "API §4.2: LoadStationary up to 4x faster than MM (not overlapped: ASSUMPTION)"),
    ("vector_clock_ghz", 1.12, 0.96, 1.2, "API §1.2 VectorE"),
    ("vector_elems_per_lane_16bit", 1, 4, 4, "API §1.2: trn2/3 512 elem/cycle BF16/FP16 over 128 lanes"),
    ("vector_elems_per_lane", 1, 2, 2, "API §1.2: trn2/3 256 elem/cycle otherwise; trn1 128 lanes"),
    ("scalar_clock_ghz", 1.4, 1.2, 1.2, "API §1.2 ScalarE"),
    ("scalar_elems_per_lane_16bit", 1, 1, 2, "API §1.2: trn3 256 BF16/FP16/FP8, otherwise 128 lanes"),
    ("scalar_elems_per_lane", 1, 1, 1, "API §1.2: 128 lanes"),
    ("gpsimd_clock_ghz", 1.4, 1.2, 1.2, "API §1.2 GpSimdE"),
    ("gpsimd_elems_per_lane", 1, 1, 1, "API §1.1: 8 cores x 16 32-bit lanes = one element per partition per cycle"),
    ("engine_min_cycles", 64, 64, 64, "API §4.0.3: cost ~max(64, N) cycles (fixed overhead of a Vector/Scalar op)"),
    ("sync_clock_ghz", 1.4, 1.2, 1.2, "ASSUMPTION: sequencer at the Scalar/GpSimd clock"),
    ("sync_cycles", 64, 64, 64, "ASSUMPTION: register/print ops cost one minimal instruction"),
    ("dma_queues", 16, 16, 16, "API §1.1/§1.2: 16 DMA engines per NC (one modelled queue each)"),
    ("dma_engine_gbps", 17, 23, 33, "API §1.2 peak table: B/ns per DMA engine (other pages say 27 GB/s)"),
    ("hbm_gbps_per_nc", 410, 375, 587.5, "API §1.2: device HBM bandwidth / NCs per device (820/2, 3000/8, 4700/8)"),
    ("dma_fixed_ns", 1000, 1000, 1000, "ASSUMPTION: ~1 us descriptor processing + completion per dma instruction"),
    ("dma_efficient_row_bytes", 512, 512, 512, "ASSUMPTION: SBUF-side rows under 512 B lose bandwidth proportionally"),
]  # fmt: skip

HARDWARE: dict[str, Hardware] = _table(ROWS)


def hardware(target: str) -> Hardware:
    return HARDWARE.get(target, HARDWARE["trn2"])


def duration_ns(op: Op, hw: Hardware) -> float:
    """Estimated time of one instruction on its engine."""
    if op.engine == "tensor":
        return _matmul_ns(op, hw)
    if op.engine == "dma":
        return _dma_ns(op, hw)
    if op.engine == "sync":
        return hw["sync_cycles"] / hw["sync_clock_ghz"]
    clock, per_lane = _elementwise_rate(op, hw)
    cycles = max(hw["engine_min_cycles"], math.ceil(op.free_elements / per_lane))
    return cycles / clock


def _elementwise_rate(op: Op, hw: Hardware) -> tuple[float, float]:
    narrow = op.dtype_bytes <= 2
    if op.engine == "vector":
        key = "vector_elems_per_lane_16bit" if narrow else "vector_elems_per_lane"
        return hw["vector_clock_ghz"], hw[key]
    if op.engine == "scalar":
        key = "scalar_elems_per_lane_16bit" if narrow else "scalar_elems_per_lane"
        return hw["scalar_clock_ghz"], hw[key]
    return hw["gpsimd_clock_ghz"], hw["gpsimd_elems_per_lane"]


def _matmul_ns(op: Op, hw: Hardware) -> float:
    if op.opcode not in ("nc_matmul", "nc_matmul_mx") or not op.moving:
        columns = max(op.free_elements, 1)  # transpose / quantize: stream the free size once
        return max(hw["pe_min_cycles"], columns) / hw["pe_clock_ghz"]
    key = {1: "pe_cycles_per_column_fp8", 2: "pe_cycles_per_column_16bit"}.get(
        op.dtype_bytes, "pe_cycles_per_column_fp32"
    )
    multiply = max(hw["pe_min_cycles"], op.moving) * hw[key]
    load_stationary = max(op.stationary, 1) * hw[key] / hw["pe_load_stationary_speedup"]
    return (multiply + load_stationary) / hw["pe_clock_ghz"]


def _dma_ns(op: Op, hw: Hardware) -> float:
    per_queue = min(hw["dma_engine_gbps"], hw["hbm_gbps_per_nc"] / hw["dma_queues"])  # GB/s == B/ns
    rows = max(1, op.partitions)
    row_bytes = op.bytes_moved / rows
    efficiency = min(1.0, row_bytes / hw["dma_efficient_row_bytes"]) if row_bytes else 1.0
    return hw["dma_fixed_ns"] + op.bytes_moved / (per_queue * max(efficiency, 1e-3))


def pe_peak_flops(target: str, dtype_bytes: int = 2) -> float:
    """Peak FLOP/s of the PE array (2 flops per multiply-accumulate)."""
    hw = hardware(target)
    key = {1: "pe_cycles_per_column_fp8", 2: "pe_cycles_per_column_16bit"}.get(
        dtype_bytes, "pe_cycles_per_column_fp32"
    )
    return 2 * hw["pe_rows"] * hw["pe_cols"] * hw["pe_clock_ghz"] * 1e9 / hw[key]


def table_text(target: str) -> str:
    hw = hardware(target)
    width = max(len(key) for key in hw.figures)
    return "\n".join(f"{key:<{width}}  {fig.value:>8g}  {fig.source}" for key, fig in hw.figures.items())
