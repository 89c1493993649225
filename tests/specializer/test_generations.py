"""Per-generation gating (NKI416): what an older target lacks is fine on the target that has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.specializer.helpers import specialize_file

CONTRACTS = Path(__file__).resolve().parents[1] / "data" / "contracts"


@pytest.mark.parametrize(
    ("kernel", "targets"), [("gating_gen2.py", ("trn2", "trn3")), ("gating_gen3.py", ("trn3",))]
)
def test_newer_targets_accept_the_gated_features(kernel: str, targets: tuple[str, ...]) -> None:
    for target in targets:
        codes = [d.code for d in specialize_file(CONTRACTS / kernel, target=target).diagnostics]
        assert "NKI416" not in codes, (target, codes)


def test_gating_names_the_needed_generation() -> None:
    diagnostics = specialize_file(CONTRACTS / "gating_gen3.py", target="trn2").diagnostics
    assert diagnostics and all("NeuronCore-v4 (trn3)" in d.message for d in diagnostics)
