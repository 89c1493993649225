"""`.indirect()` views in the IR (nki-api.md §3.10): the operand keeps the region of the view it was made
from and carries the index operand, the element count and the snake-order group of its engine; the back end
treats it as touching the whole storage."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest

from nki._runtime import compile_kernel
from nki_compiler.backend import run_backend
from nki_compiler.ir import print_program, verify
from nki_compiler.ir.access import TensorIndirection
from tests.simulator import ti_kernels as k


@pytest.fixture(autouse=True)
def _trn3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NEURON_PLATFORM_TARGET_OVERRIDE", "trn3")
    yield


def _indirect_operands(program) -> list[tuple[str, str, TensorIndirection]]:  # type: ignore[no-untyped-def]
    return [
        (instruction.opcode.value, key, pattern.dynamic)
        for instruction in program.instructions()
        for key, pattern in instruction.patterns()
        if isinstance(pattern.dynamic, TensorIndirection)
    ]


def test_vector_engine_gather_is_printed_with_its_index_count_and_group() -> None:
    a, index = np.zeros((16, 64), np.float32), np.zeros((16, 4), np.int32)
    program = compile_kernel(k.gather_copy, {"a": a, "idx": index, "n": 48})
    text = print_program(program)
    assert re.search(
        r"tensor_copy dst=%t\d+ src=%t\d+\[0; \[64,16\],\[1,64\]\] indirect=%t\d+ n=48 G=16", text
    )
    assert verify(program) == []
    [(opcode, key, indirection)] = _indirect_operands(program)
    assert (opcode, key, indirection.num_elem, indirection.group) == ("tensor_copy", "src", 48, 16)
    assert indirection.value.shape == (16, 4) and indirection.value.buffer == "sbuf"


def test_tensor_engine_operand_reads_groups_of_32() -> None:
    stationary, index = np.zeros((32, 80), np.float16), np.zeros((32, 2), np.int32)
    arguments = {"stationary": stationary, "idx": index, "moving": np.zeros((32, 48), np.float16), "m": 64}
    program = compile_kernel(k.gather_matmul, arguments)
    [(opcode, key, indirection)] = _indirect_operands(program)
    assert (opcode, key, indirection.group, indirection.num_elem) == ("nc_matmul", "stationary", 32, 64)


def test_scattered_dst_is_a_write_of_the_whole_storage_for_the_back_end() -> None:
    a, index, values = (
        np.zeros((16, 64), np.float32),
        np.zeros((16, 2), np.int32),
        np.zeros((16, 32), np.float32),
    )
    program = compile_kernel(k.scatter_copy, {"a": a, "idx": index, "values": values})
    [(opcode, key, _)] = _indirect_operands(program)
    assert (opcode, key) == ("tensor_copy", "dst")
    result = run_backend(program)
    copy = next(op for op in result.model.ops() if op.opcode == "tensor_copy")
    [written] = copy.writes
    assert (written.p_lo, written.p_hi, written.lo, written.hi) == (0, 16, 0, 64 * 4)


def test_the_index_tensor_is_read_by_the_instruction_for_the_back_end() -> None:
    """Liveness: an index tensor only used as offsets must stay allocated until the gather that reads it."""
    a, index = np.zeros((16, 64), np.float32), np.zeros((16, 4), np.int32)
    program = compile_kernel(k.gather_copy, {"a": a, "idx": index, "n": 48})
    [(_, _, indirection)] = _indirect_operands(program)
    result = run_backend(program)
    copy = next(op for op in result.model.ops() if op.opcode == "tensor_copy")
    index_bytes = indirection.value.storage.shape[-1] * 4
    assert any(read.hi - read.lo == index_bytes and read.p_hi - read.p_lo == 16 for read in copy.reads)
    assert len(copy.reads) == 2
