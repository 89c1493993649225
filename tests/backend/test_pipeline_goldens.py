"""Allocation and schedule goldens of our own kernels through the real pipeline (specializer -> back end).

Every kernel with a `# nki: args` pragma under tests/data/ir and examples/ is profiled on trn1 and trn2;
the report (with source lines) must equal `tests/data/backend/pipeline/<file>.<target>.txt` (`--update`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nki_compiler.backend.report import report_text
from nki_ls.profile_command import profile_result

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "backend" / "pipeline"
PRAGMA_KERNEL = re.compile(r"^# nki: args .*\n(?:@.*\n)*def (\w+)\(", re.MULTILINE)


def _kernels() -> list[tuple[Path, str]]:
    paths = sorted((ROOT / "tests" / "data" / "ir").glob("*.py")) + sorted((ROOT / "examples").glob("*.py"))
    found = []
    for path in paths:
        found += [(path, name) for name in PRAGMA_KERNEL.findall(path.read_text(encoding="utf-8"))]
    return found


KERNELS = _kernels()


def test_every_kernel_with_argument_facts_is_covered() -> None:
    names = {name for _, name in KERNELS}
    assert {"tiled_matmul", "matmul_kernel", "add_kernel", "loops_kernel"} <= names


@pytest.mark.parametrize("target", ["trn1", "trn2"])
@pytest.mark.parametrize("path, kernel", KERNELS, ids=[f"{p.parent.name}/{p.stem}" for p, _ in KERNELS])
def test_pipeline_golden(path: Path, kernel: str, target: str, update: bool) -> None:
    backend, diagnostics = profile_result(str(path), kernel, target)
    assert backend is not None, [d.message for d in diagnostics]
    assert not [d for d in diagnostics if d.severity.value == "error"], [d.message for d in diagnostics]
    text = report_text(backend, top=5)
    golden = GOLDEN / f"{path.parent.name}.{path.stem}.{target}.txt"
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}: run with --update and review it"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path, kernel", KERNELS[:1] + KERNELS[-1:])
def test_pipeline_allocation_keeps_live_tensors_apart(path: Path, kernel: str) -> None:
    backend, _ = profile_result(str(path), kernel, "trn2")
    assert backend is not None
    placements, ranges = backend.allocation.placements, backend.allocation.ranges
    memory = {b: backend.model.buffers[b].memory for b in placements}
    items = sorted(placements.values(), key=lambda p: p.buffer)
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            if memory[first.buffer] != memory[second.buffer] or not ranges[first.buffer].overlaps(
                ranges[second.buffer]
            ):
                continue
            rows_apart = first.partition + first.partitions <= second.partition or (
                second.partition + second.partitions <= first.partition
            )
            bytes_apart = (
                first.offset + first.size <= second.offset or second.offset + second.size <= first.offset
            )
            assert rows_apart or bytes_apart
