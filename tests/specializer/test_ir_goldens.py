"""Every kernel under tests/data/ir specializes to its golden `.ir` text (`--update` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nki_compiler.ir import print_program, verify
from tests.specializer.helpers import specialize_file

KERNELS = sorted((Path(__file__).resolve().parents[1] / "data" / "ir").glob("*.py"))


@pytest.mark.parametrize("path", KERNELS, ids=lambda p: p.stem)
def test_golden_ir(path: Path, update: bool) -> None:
    result = specialize_file(path)
    assert result.program is not None, result.diagnostics
    assert not [d for d in result.diagnostics if d.severity.value == "error"], result.diagnostics
    assert verify(result.program) == []
    text = print_program(result.program, path.read_text(encoding="utf-8"))
    golden = path.with_suffix(".ir")
    if update:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}: run with --update and review it"
    assert text == golden.read_text(encoding="utf-8")


def test_goldens_are_deterministic() -> None:
    path = KERNELS[0]
    first = print_program(specialize_file(path).program)  # type: ignore[arg-type]
    second = print_program(specialize_file(path).program)  # type: ignore[arg-type]
    assert first == second
