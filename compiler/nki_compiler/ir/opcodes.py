"""IR opcodes: one per `nki.isa` instruction (named like the `nisa` function), grouped by engine family,
plus the structural ones the specializer adds (allocation, runtime loops, register operations)."""

from __future__ import annotations

from enum import Enum


class Opcode(str, Enum):
    # structure
    ALLOC = "alloc"
    FORI_LOOP = "fori_loop"
    WHILE_LOOP = "while_loop"
    # data movement
    DMA_COPY = "dma_copy"
    DMA_TRANSPOSE = "dma_transpose"
    DMA_COMPUTE = "dma_compute"
    TENSOR_COPY = "tensor_copy"
    TENSOR_COPY_PREDICATED = "tensor_copy_predicated"
    MEMSET = "memset"
    IOTA = "iota"
    LOCAL_GATHER = "local_gather"
    NC_N_GATHER = "nc_n_gather"
    NC_STREAM_SHUFFLE = "nc_stream_shuffle"
    SENDRECV = "sendrecv"
    CORE_BARRIER = "core_barrier"
    # tensor engine
    NC_MATMUL = "nc_matmul"
    NC_MATMUL_MX = "nc_matmul_mx"
    NC_TRANSPOSE = "nc_transpose"
    QUANTIZE_MX = "quantize_mx"
    # vector / scalar / gpsimd element-wise
    TENSOR_TENSOR = "tensor_tensor"
    TENSOR_SCALAR = "tensor_scalar"
    SCALAR_TENSOR_TENSOR = "scalar_tensor_tensor"
    TENSOR_REDUCE = "tensor_reduce"
    TENSOR_PARTITION_REDUCE = "tensor_partition_reduce"
    TENSOR_SCALAR_REDUCE = "tensor_scalar_reduce"
    TENSOR_SCALAR_CUMULATIVE = "tensor_scalar_cumulative"
    TENSOR_TENSOR_SCAN = "tensor_tensor_scan"
    RECIPROCAL = "reciprocal"
    EXPONENTIAL = "exponential"
    BN_STATS = "bn_stats"
    BN_AGGR = "bn_aggr"
    AFFINE_SELECT = "affine_select"
    RANGE_SELECT = "range_select"
    SELECT_REDUCE = "select_reduce"
    MAX8 = "max8"
    NC_FIND_INDEX8 = "nc_find_index8"
    NC_MATCH_REPLACE8 = "nc_match_replace8"
    SEQUENCE_BOUNDS = "sequence_bounds"
    NONZERO_WITH_COUNT = "nonzero_with_count"
    TOPK = "topk"
    # scalar engine
    ACTIVATION = "activation"
    ACTIVATION_REDUCE = "activation_reduce"
    ACTIVATE2 = "activate2"
    # random numbers
    RNG = "rng"
    SET_RNG_SEED = "set_rng_seed"
    RAND_SET_STATE = "rand_set_state"
    RAND_GET_STATE = "rand_get_state"
    RAND2 = "rand2"
    DROPOUT = "dropout"
    # registers
    REGISTER_ALLOC = "register_alloc"
    REGISTER_MOVE = "register_move"
    REGISTER_LOAD = "register_load"
    REGISTER_STORE = "register_store"
    # debugging
    DEVICE_PRINT = "device_print"


FAMILIES: dict[str, frozenset[Opcode]] = {
    "structure": frozenset({Opcode.ALLOC, Opcode.FORI_LOOP, Opcode.WHILE_LOOP}),
    "dma": frozenset({Opcode.DMA_COPY, Opcode.DMA_TRANSPOSE, Opcode.DMA_COMPUTE, Opcode.SENDRECV}),
    "tensor_engine": frozenset(
        {Opcode.NC_MATMUL, Opcode.NC_MATMUL_MX, Opcode.NC_TRANSPOSE, Opcode.QUANTIZE_MX}
    ),
    "register": frozenset(
        {Opcode.REGISTER_ALLOC, Opcode.REGISTER_MOVE, Opcode.REGISTER_LOAD, Opcode.REGISTER_STORE}
    ),
}

BY_NAME: dict[str, Opcode] = {op.value: op for op in Opcode}


def family(opcode: Opcode) -> str:
    for name, members in FAMILIES.items():
        if opcode in members:
            return name
    return "compute"
