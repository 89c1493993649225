from __future__ import annotations

import json
from pathlib import Path

import pytest

from nki_compiler.backend import run_backend
from nki_compiler.backend.cost_model import HARDWARE, pe_peak_flops
from nki_compiler.backend.report import report_text
from nki_compiler.backend.trace import trace_events
from tests.backend import programs

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "backend"


@pytest.mark.parametrize("name", ["matmul_tile", "looped", "streamed"])
def test_golden_report(name: str, update: bool) -> None:
    program = {"matmul_tile": programs.matmul_tile, "looped": programs.looped,
               "streamed": lambda: programs.streamed(4, True)}[name]()  # fmt: skip
    actual = report_text(run_backend(program))
    golden = GOLDEN / f"{name}.txt"
    if update or not golden.exists():
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("memory, code", [("sbuf", "NKI601"), ("psum", "NKI602")])
def test_overflow_reports_the_tensor_that_does_not_fit(memory: str, code: str) -> None:
    result = run_backend(programs.overflow(memory))
    codes = [d.code for d in result.allocation.diagnostics]
    assert codes == [code]
    diagnostic = result.allocation.diagnostics[0]
    assert "does not fit" in diagnostic.message
    assert diagnostic.notes[0].message.startswith(f"peak {memory.upper()} demand")
    assert any("live here" in note.message for note in diagnostic.notes[1:])


def test_fitting_program_has_no_diagnostics_and_disjoint_live_tensors() -> None:
    result = run_backend(programs.streamed(6, True))
    assert result.allocation.diagnostics == []
    placements = result.allocation.placements
    ranges = result.allocation.ranges
    items = list(placements.values())
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            if ranges[first.buffer].overlaps(ranges[second.buffer]):
                apart = (
                    first.offset + first.size <= second.offset or second.offset + second.size <= first.offset
                )
                assert apart


def test_loop_keeps_body_tensor_resident_for_the_whole_loop() -> None:
    result = run_backend(programs.looped())
    by_name = {b.name: b.id for b in result.model.buffers.values()}
    tmp, acc = result.allocation.ranges[by_name["%tmp"]], result.allocation.ranges[by_name["%acc"]]
    start, end = result.model.loops[0]
    assert tmp.start == start + 1 and tmp.end == end
    assert acc.start <= start and acc.end > end


def test_loop_latency_scales_with_trips() -> None:
    result = run_backend(programs.looped())
    loop_slices = [s for s in result.schedule.slices if s.repeat == 8]
    assert loop_slices
    body = max(s.end for s in loop_slices) - min(s.start for s in loop_slices)
    assert result.schedule.latency >= 8 * body


def test_pinned_address_is_honoured_and_checked() -> None:
    from nki_compiler.backend.builder import ProgramBuilder

    b = ProgramBuilder("pins")
    good = b.tensor((128, 64), "float32", "sbuf", "good", address=(0, 4096))
    bad = b.tensor((64, 64), "float32", "psum", "bad", address=(32, 100))
    b.op("memset", dst=b.whole(good), value=0.0)
    b.op("memset", dst=b.whole(bad), value=0.0, engine=None)
    result = run_backend(b.program)
    assert result.allocation.placements[good.id].offset == 4096
    assert [d.code for d in result.allocation.diagnostics] == ["NKI603"]


def test_matmul_estimate_approaches_pe_peak_as_tiles_grow() -> None:
    utilisation = []
    for n in (64, 128, 256, 512):
        result = run_backend(programs.resident_matmuls(n))
        flops = 2 * 128 * 128 * n * 64
        utilisation.append(flops / (result.schedule.latency * 1e-9) / pe_peak_flops("trn1"))
    assert utilisation == sorted(utilisation)
    assert utilisation[-1] > 0.85 and utilisation[0] < utilisation[-1]
    assert all(u <= 1.0 for u in utilisation)


def test_independent_dma_does_not_lengthen_the_critical_path() -> None:
    from nki_compiler.backend.builder import ProgramBuilder

    base = run_backend(programs.matmul_tile()).schedule.latency
    program = programs.matmul_tile()
    b = ProgramBuilder("extra")
    b.program = program
    b._bodies = [program.body]
    other = b.tensor((128, 64), "float32", "shared_hbm", "other")
    spare = b.tensor((128, 64), "float32", "sbuf", "spare")
    program.body.insert(0, program.body.pop())  # the ALLOC of `spare` first
    program.body.insert(1, b.op("dma_copy", dst=b.whole(spare), src=b.whole(other)))
    program.body.pop()
    assert other.id != spare.id
    extended = run_backend(program).schedule.latency
    assert extended == pytest.approx(base)


def test_double_buffered_loads_overlap_compute() -> None:
    single = run_backend(programs.streamed(8, False)).schedule.latency
    double = run_backend(programs.streamed(8, True)).schedule.latency
    assert double < 0.8 * single


def test_cost_table_states_a_source_for_every_figure() -> None:
    for hw in HARDWARE.values():
        assert all(figure.source for figure in hw.figures.values())
    assert pe_peak_flops("trn1") == pytest.approx(91.75e12, rel=0.01)
    assert pe_peak_flops("trn2") == pytest.approx(78.6e12, rel=0.01)


def test_trace_has_one_track_per_engine_and_named_slices() -> None:
    events = trace_events(run_backend(programs.streamed(4, True)))["traceEvents"]
    json.dumps(events)
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert "scalar" in names and any(n.startswith("dma") for n in names)
    slices = [e for e in events if e["ph"] == "X"]
    assert {e["name"].split()[0] for e in slices} == {"dma_copy", "activation"}
    assert all(e["dur"] > 0 for e in slices)


def test_profile_command_on_the_example_kernel(tmp_path: Path) -> None:
    from nki_ls.cli import main

    example = Path(__file__).resolve().parents[2] / "examples" / "add_kernel.py"
    trace = tmp_path / "trace.json"
    assert main(["--profile", f"{example}::add_kernel", "--target", "trn1", "--trace", str(trace)]) == 0
    events = json.loads(trace.read_text(encoding="utf-8"))["traceEvents"]
    assert any(e["ph"] == "X" and e["name"].startswith("tensor_tensor L") for e in events)
