"""Fixes of NKI315/NKI316/NKI317 (Python syntax on tensors) are exact rewrites of the flagged text."""

from __future__ import annotations

from pathlib import Path

from tests.specializer.helpers import specialize_file

KERNELS = Path(__file__).resolve().parents[1] / "data" / "contracts" / "python_syntax_3xx.py"


def _rewrites(kernel: str) -> dict[str, list[tuple[str, str]]]:
    text = KERNELS.read_text(encoding="utf-8")
    found: dict[str, list[tuple[str, str]]] = {}
    for diagnostic in specialize_file(KERNELS, kernel).diagnostics:
        for fix in diagnostic.fixes:
            for edit in fix.edits:
                old = text[edit.span.start : edit.span.end]
                found.setdefault(diagnostic.code, []).append((old, edit.new_text))
    return found


def test_operator_fixes_call_the_nl_function() -> None:
    rewrites = _rewrites("operators")
    assert rewrites["NKI317"] == [
        ("a + b", "nl.add(a, b)"),
        ("a * 2.0", "nl.multiply(a, 2.0)"),
        ("-a", "nl.negative(a)"),
        ("a < b", "nl.less(a, b)"),
        ("a += b", "nisa.tensor_tensor(dst=a, data1=a, data2=b, op=nl.add)"),
    ]  # `a ** 2` has no fix: `nl.power` needs a tile exponent (NKI409)


def test_store_fixes_write_through_dst() -> None:
    rewrites = _rewrites("operators")
    assert rewrites["NKI316"] == [
        ("a[0:64, :] = 0", "nisa.memset(dst=a[0:64, :], value=0)"),
        ("a[:, 0:256] = nl.load(x[:, 0:256])", "nisa.dma_copy(dst=a[:, 0:256], src=x[:, 0:256])"),
        ("a[:, 0:4] = nisa.tensor_copy(b[:, 0:4])", "nisa.tensor_copy(a[:, 0:4], b[:, 0:4])"),
    ]


def test_dynamic_index_fix_only_for_a_single_scalar_index() -> None:
    assert _rewrites("indexing")["NKI315"] == [("table[idx]", "table.select(0, idx)")]
