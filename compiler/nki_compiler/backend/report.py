"""Text report of the back end: memory use, engine utilisation, latency, critical path, top instructions."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from nki_compiler.backend import BackendResult
from nki_compiler.backend.alloc import usage_timeline
from nki_compiler.backend.schedule import Slice

ENGINE_ORDER = ("tensor", "vector", "scalar", "gpsimd", "sync", "dma")


def _us(ns: float) -> str:
    return f"{ns / 1000:.3f} us"


def memory_lines(result: BackendResult) -> list[str]:
    lines: list[str] = []
    allocation, model = result.allocation, result.model
    for memory in ("sbuf", "psum"):
        level, position = allocation.peak.get(memory, (0, 0))
        limit = allocation.capacity.get(memory, 1)
        site = model.sites.get(position)
        where = f" at line {site[3]}" if site and site[3] else ""
        lines.append(
            f"{memory.upper()}: peak {level} B/partition of {limit} ({100 * level / limit:.1f}%){where}"
        )
        timeline = usage_timeline(model, allocation, memory)
        if timeline:
            step = max(1, len(timeline) // 8)
            points = ", ".join(f"@{p}:{b}" for p, b in timeline[::step])
            lines.append(f"  timeline (position:B/partition): {points}")
    return lines


def allocation_lines(result: BackendResult) -> list[str]:
    lines = []
    model, allocation = result.model, result.allocation
    for buffer_id in sorted(allocation.ranges):
        buffer = model.buffers[buffer_id]
        live = allocation.ranges[buffer_id]
        placement = allocation.placements.get(buffer_id)
        where = (f"partitions {placement.partition}..{placement.partition + buffer.partitions - 1} "
                 f"bytes {placement.offset}..{placement.offset + placement.size - 1}") if placement else "NOT PLACED"  # fmt: skip
        lines.append(f"  {buffer.name:<12} {buffer.memory:<4} {where}  live {live.start}..{live.end}")
    return lines


def engine_lines(result: BackendResult) -> list[str]:
    latency = max(result.schedule.latency, 1e-9)
    queues = int(result.hardware["dma_queues"])
    lines = []
    for engine in ENGINE_ORDER:
        busy = result.schedule.busy.get(engine, 0.0)
        capacity = latency * (queues if engine == "dma" else 1)
        suffix = f" over {queues} queues" if engine == "dma" else ""
        lines.append(f"  {engine:<7} busy {_us(busy):>14}  utilisation {100 * busy / capacity:5.1f}%{suffix}")
    return lines


@lru_cache(maxsize=32)
def _source_lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError, ValueError):
        return ()


def source_text(path: str, line: int, width: int = 60) -> str:
    """The stripped source line (1-based) of an instruction, shortened to `width`; "" when unknown."""
    lines = _source_lines(path) if path and line > 0 else ()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return text if len(text) <= width else text[: width - 3] + "..."


def _slice_line(s: Slice) -> str:
    repeat = f" x{s.repeat}" if s.repeat != 1 else ""
    where = f"line {s.op.line}" if s.op.line else f"op {s.op.index}"
    source = source_text(s.op.path, s.op.line)
    source = f"  | {source}" if source else ""
    return f"  {where:<10} {s.op.opcode:<16} {s.track:<7} {_us(s.start):>14} .. {_us(s.end)}{repeat}{source}"


def report_text(result: BackendResult, top: int = 10, allocation: bool = True) -> str:
    sched = result.schedule
    lines = [f"kernel {result.model.kernel or '?'} on {result.model.target}",
             f"estimated latency: {_us(sched.latency)}", *memory_lines(result), "engines:", *engine_lines(result)]  # fmt: skip
    lines.append(f"critical path ({len(sched.critical)} instructions):")
    lines += [_slice_line(s) for s in sched.critical[:40]]
    if len(sched.critical) > 40:
        lines.append(f"  ... {len(sched.critical) - 40} more")
    heaviest = sorted(sched.slices, key=lambda s: (-(s.end - s.start) * s.repeat, s.op.index))[:top]
    lines.append(f"top {len(heaviest)} instructions by time:")
    lines += [_slice_line(s) for s in heaviest]
    if allocation:
        lines.append("allocation:")
        lines += allocation_lines(result)
    for diagnostic in result.allocation.diagnostics:
        lines.append(f"{diagnostic.severity.value}[{diagnostic.code}] {diagnostic.message}")
    return "\n".join(lines) + "\n"
