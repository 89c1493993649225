"""Module-level constants the kernel reads, including tuple unpacking (`A, B = 128, 512`)."""

from __future__ import annotations

from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir.printer import print_program
from nki_compiler.specializer import specialize

SOURCE = """\
import nki
import nki.isa as nisa
import nki.language as nl

ROWS, (COLS, _UNUSED) = 128, (512, 0)
FIRST, *REST = 1, 2, 3


# nki: args a=float32[128,512]
@nki.jit
def copy_kernel(a):
    t = nl.ndarray((ROWS, COLS), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=a)
    return t
"""


def test_tuple_unpacked_constants_are_known(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "k.py"
    path.write_text(SOURCE, encoding="utf-8")
    workspace = Workspace()
    module = workspace.module(path)
    assert module is not None
    assert set(module.assignments) >= {"ROWS", "COLS", "_UNUSED"}
    assert "FIRST" not in module.assignments  # starred unpacking is not resolved statically
    result = specialize(workspace, module, "copy_kernel")
    assert result.complete and not result.diagnostics
    text = print_program(result.program, SOURCE)  # type: ignore[arg-type]
    assert "alloc sbuf float32[128,512]" in text
