from __future__ import annotations

import pytest

from nki_sim import SEMANTICS, SimulationError
from nki_sim.machine import Core
from tests.simulator.conftest import fresh, run, tile

#: nki-api.md §4 instructions by corpus use (API-USAGE.md) that the dispatch table must cover.
CORE_INSTRUCTIONS = [
    "dma_copy", "tensor_copy", "memset", "tensor_tensor", "activation", "tensor_scalar", "nc_matmul",
    "nc_transpose", "dma_transpose", "quantize_mx", "tensor_reduce", "iota", "nc_stream_shuffle",
    "scalar_tensor_tensor", "nc_matmul_mx", "reciprocal", "dma_compute", "tensor_tensor_scan", "nc_find_index8",
    "activation_reduce", "affine_select", "tensor_scalar_reduce", "max8", "bn_aggr", "bn_stats", "nc_n_gather",
    "range_select", "tensor_copy_predicated",
]  # fmt: skip


@pytest.mark.parametrize("opcode", CORE_INSTRUCTIONS)
def test_dispatch_table_covers(opcode: str) -> None:
    assert SEMANTICS[opcode].__name__ == opcode


def test_partition_limit_names_opcode_operand_and_rule(core: Core) -> None:
    with pytest.raises(SimulationError) as err:
        run(core, "tensor_tensor", dst=fresh(core, (256, 4)), data1=fresh(core, (256, 4)), data2=fresh(core, (256, 4)),
            op="add")  # fmt: skip
    assert err.value.opcode == "tensor_tensor"
    assert "partition dimension 256 exceeds maximum 128" in err.value.message
    assert err.value.rule.startswith("§6.1")


def test_unknown_instruction_and_operands(core: Core) -> None:
    with pytest.raises(SimulationError, match="no such instruction"):
        run(core, "nc_teleport", dst=fresh(core, (1, 1)))
    with pytest.raises(SimulationError, match="unexpected operand"):
        run(core, "memset", dst=fresh(core, (1, 1)), value=0.0, mask=None)
    with pytest.raises(SimulationError, match="missing operand"):
        run(core, "memset", dst=fresh(core, (1, 1)))


def test_error_location_is_attached(core: Core) -> None:
    with pytest.raises(SimulationError) as err:
        run(core, "reciprocal", dst=fresh(core, (2, 2)), data=tile(core, [[1.0, 2.0, 3.0]]))
    located = err.value.at("kernel.py:12")
    assert str(located).startswith("kernel.py:12: reciprocal:") and "[rule: " in str(located)


def test_name_is_accepted_and_program_order_counted(core: Core) -> None:
    run(core, "memset", dst=fresh(core, (1, 1)), value=0.0, name="zero")
    run(core, "memset", dst=fresh(core, (1, 1)), value=1.0)
    assert core.executed == 2
