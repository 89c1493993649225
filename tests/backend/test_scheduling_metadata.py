"""Scheduling metadata end to end (nki-language-rules.md §2.9): `name=`, `nl.no_reorder()`,
`inst.depends_on(...)` and `kernel.with_schedule([...])` from the specializer through the IR printer to
the scheduler's edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from nki_compiler.backend import BackendResult, run_backend
from nki_compiler.backend.schedule import Slice
from nki_compiler.ir.printer import print_program
from tests.specializer.helpers import check_annotated, specialize_file

DATA = Path(__file__).resolve().parents[1] / "data" / "backend" / "scheduling"
KERNELS = DATA / "kernels.py"
NAMES = ("free_kernel", "ordered_kernel", "depends_kernel", "scheduled_kernel")


def _backend(kernel: str) -> BackendResult:
    result = specialize_file(KERNELS, kernel)
    assert result.program is not None and result.complete, [d.message for d in result.diagnostics]
    assert not result.diagnostics, [d.message for d in result.diagnostics]
    return run_backend(result.program)


def _by_label(backend: BackendResult) -> dict[str, Slice]:
    return {s.op.label: s for s in backend.schedule.slices if s.op.label}


@pytest.mark.parametrize("kernel", NAMES)
def test_ir_golden_shows_scheduling_metadata(kernel: str, update: bool) -> None:
    result = specialize_file(KERNELS, kernel)
    assert result.program is not None
    text = print_program(result.program, KERNELS.read_text(encoding="utf-8"))
    golden = DATA / f"{kernel}.ir"
    if update:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_no_reorder_is_dynamically_scoped_and_one_region() -> None:
    program = specialize_file(KERNELS, "ordered_kernel").program
    assert program is not None
    regions = {i.no_reorder for i in program.instructions() if i.opcode.value != "alloc"}
    assert regions == {0}
    free = specialize_file(KERNELS, "free_kernel").program
    assert free is not None and {i.no_reorder for i in free.instructions()} == {None}


def test_no_reorder_changes_the_schedule() -> None:
    free, ordered = _backend("free_kernel"), _backend("ordered_kernel")
    loose = _by_label(free)
    assert loose["load_b"].start < loose["load_a"].end  # two DMA queues overlap without the block
    assert loose["scale_b"].start < loose["exp_a"].end  # scalar and vector engines overlap
    chain = sorted(_by_label(ordered).values(), key=lambda s: s.op.index)
    assert [s.op.label for s in chain] == ["load_a", "load_b", "exp_a", "scale_b", "store_a", "store_b"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.start >= before.end - 1e-9, (before.op.label, after.op.label)
    assert ordered.schedule.latency > free.schedule.latency


def test_depends_on_orders_independent_instructions() -> None:
    program = specialize_file(KERNELS, "depends_kernel").program
    assert program is not None and len(program.depends_on) == 1
    slices = _by_label(_backend("depends_kernel"))
    assert slices["scale_b"].start >= slices["exp_a"].end - 1e-9
    assert slices["load_b"].start < slices["load_a"].end  # only the named edge is added


def test_with_schedule_pairs_become_edges() -> None:
    program = specialize_file(KERNELS, "scheduled_kernel").program
    assert program is not None
    assert program.schedule == [("scale_b", ("exp_a",)), ("store_b", ("store_a", "load_a"))]
    slices = _by_label(_backend("scheduled_kernel"))
    assert slices["scale_b"].start >= slices["exp_a"].end - 1e-9
    assert slices["store_b"].start >= slices["store_a"].end - 1e-9


def test_malformed_or_unknown_with_schedule_pairs_are_nki417(update: bool) -> None:
    check_annotated(DATA / "bad_schedule.py", update)


def test_bad_pairs_are_left_out_and_static_bindings_are_read() -> None:
    program = specialize_file(DATA / "bad_schedule.py", "bad_kernel").program
    assert program is not None
    assert program.schedule == [("store", ("load",)), ("store", ("load",))]
