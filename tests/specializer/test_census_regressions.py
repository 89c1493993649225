"""Specializer defects found by the corpus census (tests/specializer/test_corpus_census.py), each pinned by a
small kernel of our own under tests/data/census."""

from __future__ import annotations

from pathlib import Path

import pytest

from nki_compiler.frontend.workspace import Workspace
from nki_compiler.ir.opcodes import Opcode
from tests.specializer.helpers import check_annotated, jit_kernels, specialize_file

DATA = Path(__file__).resolve().parents[1] / "data" / "census"
UNKNOWN_BRANCHES = DATA / "unknown_branches.py"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.py")), ids=lambda p: p.stem)
def test_census_kernels_have_exactly_their_annotations(path: Path, update: bool) -> None:
    check_annotated(path, update)


@pytest.mark.parametrize("kernel", jit_kernels(UNKNOWN_BRANCHES.read_text(encoding="utf-8")))
def test_undecided_control_flow_makes_values_unknown_not_stale(kernel: str) -> None:
    result = specialize_file(UNKNOWN_BRANCHES, kernel)
    assert result.diagnostics == []
    assert result.program is not None
    assert not result.complete
    assert [i.opcode for i in result.program.instructions() if i.opcode is not Opcode.ALLOC] == [
        Opcode.DMA_COPY
    ] * (2 if kernel.startswith("tiles") else 1)


def test_identity_comparison_of_a_tensor_with_none_is_decided() -> None:
    result = specialize_file(DATA / "identity_with_none.py", "tensor_identity_with_none")
    assert result.diagnostics == []
    assert result.program is not None and result.complete
    copies = [i for i in result.program.instructions() if i.opcode is Opcode.DMA_COPY]
    assert [(i.operand("dst").storage.kind, i.operand("src").storage.name) for i in copies] == [
        ("arg", "x"),
        ("alloc", "x"),
    ]


def test_a_call_of_an_unresolved_function_may_write_its_tensors() -> None:
    result = specialize_file(DATA / "unknown_callee.py", "unknown_helper_writes_its_arguments")
    assert result.diagnostics == []
    assert result.program is not None and not result.complete
    assert sum(i.opcode is Opcode.DMA_COPY for i in result.program.instructions()) == 2


def test_isinstance_of_enum_members_and_derived_instances() -> None:
    result = specialize_file(DATA / "isinstance_user_classes.py", "isinstance_of_user_classes")
    assert result.diagnostics == []
    assert result.program is not None and result.complete
    assert [i.opcode for i in result.program.instructions()].count(Opcode.ACTIVATION) == 1


def test_import_roots_resolve_absolute_imports_of_a_src_layout() -> None:
    """nki-library's tests import `nkilib_src.nkilib...` with `src/` on sys.path: `import_roots` says so."""
    library = "/project/src/lib/helpers.py"
    user = "/project/tests/test_kernel.py"
    overlays = {library: "TILE = 128\n", user: "from lib.helpers import TILE\n"}
    plain, rooted = Workspace(overlays), Workspace(overlays, import_roots=(Path("/project/src"),))
    for workspace, expected in ((plain, None), (rooted, library)):
        module = workspace.module(user)
        assert module is not None
        found = workspace.resolve_module(module, "lib.helpers", 0)
        assert (found.path if found else None) == expected
