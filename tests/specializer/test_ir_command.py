"""`nki-ls --ir PATH::KERNEL` and `nki_ls.commands.ir_command`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nki_ls.cli import build_parser, run_ir
from nki_ls.commands import CommandError, ir_command, split_kernel_ref

DATA = Path(__file__).resolve().parents[1] / "data"


def test_ir_command_matches_golden() -> None:
    path = DATA / "ir" / "add_nl.py"
    text, diagnostics = ir_command(str(path), "add_kernel")
    assert diagnostics == []
    assert text == path.with_suffix(".ir").read_text(encoding="utf-8")


def test_cli_exit_codes(tmp_path: Path) -> None:
    out = io.StringIO()
    args = build_parser().parse_args(["--ir", f"{DATA / 'ir' / 'add_nl.py'}::add_kernel"])
    assert run_ir(args, out) == 0 and out.getvalue().startswith("kernel add_kernel(")
    failing = build_parser().parse_args(
        ["--ir", f"{DATA / 'contracts' / 'specialization.py'}::failing_assert"]
    )
    assert run_ir(failing, io.StringIO()) == 1
    missing = build_parser().parse_args(["--ir", f"{tmp_path / 'nope.py'}::k"])
    assert run_ir(missing, io.StringIO()) == 2


def test_bad_references() -> None:
    with pytest.raises(CommandError):
        split_kernel_ref("no_kernel.py")
    with pytest.raises(CommandError):
        ir_command(str(DATA / "ir" / "add_nl.py"), "missing_kernel")
