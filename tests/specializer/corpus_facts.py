"""Argument facts of the corpus B2 kernels that have a reference test (MANIFEST.md: style B2, ref = yes).

Shapes are the smallest ones each kernel's own test or driver uses (MANIFEST "input shapes" column and the
test files). Configuration objects are `ObjectFact`s and enum members `EnumFact`s when their class is in this
corpus half. A case that depends on a module absent from it (the allocator's `SbufManager`,
`stream_shuffle_broadcast`, `moe_cte_utils`, ...) or on a configuration object defined there stays incomplete:
`partial` names what is left Unknown, and the census then requires no internal error and no error diagnostic.
Kernels asserting on their own view arithmetic (`kernel_test_view_ops`) get the expected values torch gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nki.language as nl
from nki_compiler.specializer import ArgumentFact as F
from nki_compiler.specializer.facts import EnumFact, ObjectFact

EXAMPLES = "aws-neuron-sdk/nki/examples"
MX = "aws-neuron-sdk/nki/deep-dives/src/mxfp-matmul/mx_kernels.py"
MATMUL = f"{EXAMPLES}/matrix_multiplication/matrix_multiplication_nki_kernels.py"
MAMBA = f"{EXAMPLES}/fused_mamba/mamba_nki_kernels.py"
SOURCE_ROOT = "nki-library/src"  # the tests import `nkilib_src.nkilib...` with this folder on sys.path
LIB = f"{SOURCE_ROOT}/nkilib_src/nkilib"
LIB_TESTS = "nki-library/test/integration/nkilib"


@dataclass(frozen=True)
class CensusCase:
    path: str  # relative to the corpus root
    kernel: str
    facts: dict[str, Any]
    label: str = ""  # tells apart two cases of one kernel
    target: str = "trn2"
    num_programs: int = 1  # LNC2 kernels specialize once per program id
    partial: str = ""  # which arguments stay Unknown (the program is then incomplete)
    slow: bool = False
    xfail: str = ""  # a precise specializer limitation (strict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.kernel}[{self.label}]" if self.label else self.kernel


def resolve(value: Any, corpus: Path) -> Any:
    """`value` with the corpus-relative class paths of its object and enum facts made absolute."""
    if isinstance(value, ObjectFact):
        fields = tuple((name, resolve(item, corpus)) for name, item in value.fields)
        return ObjectFact(str(corpus / value.path), value.qualname, fields)
    if isinstance(value, EnumFact):
        return EnumFact(str(corpus / value.path), value.qualname, value.member)
    if isinstance(value, (tuple, list)):
        return type(value)(resolve(item, corpus) for item in value)
    if isinstance(value, dict):
        return {key: resolve(item, corpus) for key, item in value.items()}
    return value


COMMON_TYPES = f"{LIB}/core/utils/common_types.py"


def _rmsnorm_quant_args(eps: float) -> ObjectFact:
    return ObjectFact(f"{LIB}/core/rmsnorm/rmsnorm_quant.py", "RmsNormQuantKernelArgs",
                      (("lower_bound", 0.0), ("norm_type", EnumFact(COMMON_TYPES, "NormType", "RMS_NORM")),
                       ("quantization_type", EnumFact(COMMON_TYPES, "QuantizationType", "ROW")), ("eps", eps)))  # fmt: skip


def _mamba(seq_len: int) -> dict[str, Any]:
    batch, channels, state = 1, 256, 16
    return {"delta": F("float32", (batch, channels, seq_len)), "u": F("float32", (batch, channels, seq_len)),
            "A": F("float32", (channels, state)), "B": F("float32", (batch, state, seq_len)),
            "C": F("float32", (batch, state, seq_len))}  # fmt: skip


def _mx_offline(m: int, k: int, n: int) -> dict[str, Any]:
    return {"stationary_mx_data": F("uint32", (k, m)), "stationary_mx_scale": F("uint8", (k // 8, m)),
            "moving_mx_data": F("uint32", (k, n)), "moving_mx_scale": F("uint8", (k // 8, n)),
            "mx_dtype": nl.float8_e4m3fn_x4}  # fmt: skip


def _mx_on_device(m: int, k: int, n: int) -> dict[str, Any]:
    return {"stationary_mx_data": F("uint32", (k, m)), "stationary_mx_scale": F("uint8", (k // 8, m)),
            "moving_data_bf16": F("bfloat16", (k, n * 4)), "stationary_mx_dtype": nl.float8_e4m3fn_x4,
            "moving_mx_dtype": nl.float8_e5m2_x4}  # fmt: skip


def _mx_copy_strided(k: int, m: int, n: int, use_tensor_copy: bool) -> dict[str, Any]:
    return {"stationary_hbm": F("bfloat16", (k, m)), "moving_hbm": F("bfloat16", (k, n)),
            "mx_dtype": nl.float8_e4m3fn_x4, "use_tensor_copy": use_tensor_copy}  # fmt: skip


TENSOR_VIEW_TEST = f"{LIB_TESTS}/core/utils/test_tensor_view.py"
DUMMY_OUT = F("float32", (1,))
NO_ALLOCATOR = "sizeinbytes/num_elts: core/utils/allocator.py is absent"


def _view_ops(
    shape: tuple[int, ...], buffer: Any, ops: tuple[Any, ...], expected: tuple[Any, ...]
) -> dict[str, Any]:
    """`kernel_test_view_ops`: the kernel asserts the view's shape/strides/offset equal torch's (`expected`)."""
    expected_shape, expected_strides, expected_offset = expected
    return {"dummy_out": DUMMY_OUT, "shape": shape, "buffer": buffer, "ops": ops, "expected_shape": expected_shape,
            "expected_strides": expected_strides, "expected_offset": expected_offset}  # fmt: skip


def _dynamic_ops(shape: tuple[int, ...], ops: tuple[Any, ...], out_shape: tuple[int, ...]) -> dict[str, Any]:
    return {"input_tensor": F("float32", shape), "dynamic_idx": F("int32", (1, 1)),
            "vector_offsets_hbm": F("int32", (128, 1)), "ops": ops, "out_shape": out_shape}  # fmt: skip


NO_STREAM_SHUFFLE = "stream_shuffle_broadcast: core/utils/stream_shuffle_broadcast.py is absent"
NO_SBUF_MANAGER = "SbufManager (core/utils/allocator.py) and attention_tkg_utils.py are absent"


def _attention_tkg_inputs() -> dict[str, Any]:
    """test_attention_tkg.py's first fast config: AttnTKGConfig(bs=4, q_head=1, s_active=5, curr_sprior=1024,
    full_sprior=10240, d_head=128, block_len=0, tp_k_prior=True, use_pos_id=True, fuse_rope=True), bf16, LNC1."""
    bf16 = "bfloat16"
    return {"q": F(bf16, (4, 1, 5, 128)), "k_active": F(bf16, (4, 1, 5, 128)), "v_active": F(bf16, (4, 1, 5, 128)),
            "k_prior": F(bf16, (4, 1, 10240, 128)), "v_prior": F(bf16, (4, 1, 10240, 128)),
            "mask": F("uint8", (5, 4, 1, 5)), "inv_freqs": F("float32", (64, 1)),
            "rope_pos_ids": F("float32", (4, 5)), "start_pos_ids": None, "sink": None,
            "active_blocks_table": None}  # fmt: skip


NO_ATTENTION_CONFIG = "cfg: AttnTKGConfig (attention_tkg_utils.py) and SbufManager (allocator.py) are absent"


def _enum(qualname: str, member: str) -> EnumFact:
    return EnumFact(COMMON_TYPES, qualname, member)


MLP_PROJ_TEST = f"{LIB_TESTS}/core/mlp/test_mlp_proj_mxfp4.py"


def _gate_up_mxfp4(bxs: int, h: int, i: int) -> dict[str, Any]:
    """build_gate_up_proj_mxfp4_input: MX data packs 4 values per element, scales cover 8 partitions."""
    n_h512, n_i512 = h // 512, -(-i // 512)
    return {"hidden_qtz": F("float8_e5m2_x4", (128, n_h512, bxs)), "hidden_scale": F("uint8", (16, n_h512, bxs)),
            "weight_qtz": F("float4_e2m1fn_x4", (128, n_h512, i)), "weight_scale": F("uint8", (16, n_h512, i)),
            "bias": F("bfloat16", (128 if i >= 512 else i // 4, n_i512, 4)), "H": h, "I": i, "BxS": bxs}  # fmt: skip


def _down_mxfp4(bxs: int, h: int, i: int, stream_shuffle: bool) -> dict[str, Any]:
    n_i512, p_size = -(-i // 512), 128 if i >= 512 else i // 4
    return {"inter": F("bfloat16", (128, n_i512, bxs, 4)), "weight_qtz": F("float4_e2m1fn_x4", (p_size, n_i512, h)),
            "weight_scale": F("uint8", (p_size // 8, n_i512, h)), "bias": F("bfloat16", (1, h)), "H": h, "I": i,
            "BxS": bxs, "use_stream_shuffle_broadcast": stream_shuffle}  # fmt: skip


def _moe_cte(
    hidden: int = 3072,
    tokens: int = 1024,
    experts: int = 8,
    block: int = 512,
    intermediate: int = 2048,
    blocks: int = 12,
) -> dict[str, Any]:
    """The MoE CTE tests' blockwise inputs: T+1 token rows (the last one the padding target), E experts."""
    return {"hidden_states": F("bfloat16", (tokens + 1, hidden)),
            "expert_affinities_masked": F("bfloat16", ((tokens + 1) * experts, 1)),
            "gate_up_proj_weight": F("bfloat16", (experts, hidden, 2, intermediate)),
            "down_proj_weight": F("bfloat16", (experts, intermediate, hidden)), "block_size": block,
            "token_position_to_id": F("int32", (blocks * block,)), "block_to_expert": F("int32", (blocks, 1))}  # fmt: skip


def _moe_cte_mx(
    hidden: int, tokens: int, intermediate: int, experts: int, block: int, top_k: int, weight_dtype: str
) -> dict[str, Any]:
    """The MX blockwise layout of bwmm_shard_on_I_mx's docstring: weights [E, 128, 2, n_H512, I] and
    [E, p_I, n_I512, H], uint8 scales over 8 partitions; N = get_n_blocks(T, top_k, E, B) of the tests."""
    n_h512, n_i512, p_i = (
        hidden // 512,
        -(-intermediate // 512),
        128 if intermediate >= 512 else intermediate // 4,
    )
    blocks = -(-(tokens * top_k - (experts - 1)) // block) + experts - 1
    return {"hidden_states": F("bfloat16", (tokens + 1, hidden)),
            "expert_affinities_masked": F("bfloat16", ((tokens + 1) * experts, 1)),
            "gate_up_proj_weight": F(weight_dtype, (experts, 128, 2, n_h512, intermediate)),
            "down_proj_weight": F(weight_dtype, (experts, p_i, n_i512, hidden)),
            "gate_up_proj_scale": F("uint8", (experts, 16, 2, n_h512, intermediate)),
            "down_proj_scale": F("uint8", (experts, -(-p_i // 8), n_i512, hidden)),
            "gate_and_up_proj_bias": F("bfloat16", (experts, 128, 2, n_i512, 4)),
            "down_proj_bias": F("bfloat16", (experts, hidden)),
            "token_position_to_id": F("int32", (blocks * block,)), "block_to_expert": F("int32", (blocks, 1)),
            "block_size": block, "weight_dtype": getattr(nl, weight_dtype),
            "expert_affinities_scaling_mode": _enum("ExpertAffinityScaleMode", "POST_SCALE"),
            "gate_clamp_upper_limit": 7.0, "up_clamp_upper_limit": 7.0, "up_clamp_lower_limit": -7.0}  # fmt: skip


MOE_CTE = f"{LIB}/core/moe/moe_cte/moe_cte.py"
SHARD_ON_I_SPEC = ObjectFact(MOE_CTE, "MoECTESpec", (
    ("implementation", EnumFact(MOE_CTE, "MoECTEImplementation", "shard_on_i")), ("shard_on_block", None),
    ("shard_on_I", ObjectFact(MOE_CTE, "ShardOnIConfig", (("checkpoint_activation", False),
                                                          ("expert_affinity_multiply_on_I", False),
                                                          ("num_static_block", None)))),
))  # fmt: skip
NO_MOE_CTE_UTILS = "moe_cte_utils.py (SkipMode, dimension helpers) is absent"

SMALL_MATMUL = {"lhsT": F("bfloat16", (128, 64)), "rhs": F("bfloat16", (128, 512))}
TILED_MATMUL = {"lhsT": F("bfloat16", (256, 128)), "rhs": F("bfloat16", (256, 1024))}
BIG_MATMUL = {"lhsT": F("bfloat16", (1024, 4096)), "rhs": F("bfloat16", (1024, 2048))}

CASES: list[CensusCase] = [
    CensusCase(MX, "kernel_offline_quantized_mx_matmul", _mx_offline(128, 128, 512), target="trn3"),
    CensusCase(MX, "kernel_on_device_quantize_matmul_mx", _mx_on_device(128, 128, 512), target="trn3"),
    CensusCase(MX, "kernel_copy_strided_quantize_matmul_mx", _mx_copy_strided(512, 128, 512, True), target="trn3"),
    CensusCase(MX, "kernel_copy_strided_quantize_matmul_mx_packed_scale", _mx_copy_strided(512, 128, 512, False),
               target="trn3"),
    CensusCase(MAMBA, "mamba_v1", _mamba(512)),
    CensusCase(MAMBA, "mamba_v2", _mamba(512)),
    CensusCase(MAMBA, "mamba_v3", _mamba(512)),
    CensusCase(MATMUL, "nki_matmul_basic_", SMALL_MATMUL),
    CensusCase(MATMUL, "nki_matmul_tiled_", TILED_MATMUL),
    CensusCase(MATMUL, "nki_matmul_hoist_load_", TILED_MATMUL),
    CensusCase(MATMUL, "nki_matmul_block_free_dimension_",
               {"lhsT": F("bfloat16", (256, 256)), "rhs": F("bfloat16", (256, 1024))}),
    CensusCase(MATMUL, "nki_matmul_fully_optimized_", BIG_MATMUL, slow=True),
    CensusCase(f"{EXAMPLES}/simulate/nki_simulate_example.py", "add_kernel",
               {"a_ptr": F("float32", (128, 512)), "b_ptr": F("float32", (128, 512))}),
    CensusCase(f"{EXAMPLES}/transpose2d/transpose2d_nki_kernels.py", "tensor_transpose2D_kernel_",
               {"in_tensor": F("int8", (5, 12)), "shape2D": (3, 4)}),
    CensusCase(f"{LIB}/core/cumsum/cumsum.py", "cumsum", {"x": F("float32", (1, 256))}, "2d"),
    CensusCase(f"{LIB}/core/cumsum/cumsum.py", "cumsum", {"x": F("bfloat16", (64, 4, 1024))}, "3d"),
    CensusCase(f"{LIB}/core/subkernels/find_nonzero_indices.py", "find_nonzero_indices",
               {"input_tensor": F("int32", (256, 16)), "chunk_size": 128}, num_programs=2),
    CensusCase(f"{LIB}/experimental/conv/depthwise_conv1d.py", "depthwise_conv1d_implicit_gemm",
               {"img_ref": F("float32", (1, 16, 1, 64)), "filter_ref": F("float32", (16, 1, 1, 8)),
                "padding": ((0, 0), (0, 0)), "stride": (1, 1), "feature_group_count": 16}, num_programs=2),
    CensusCase(f"{LIB}/experimental/loss/cross_entropy.py", "cross_entropy_forward",
               {"logits_hbm": F("float32", (16, 512)), "targets_hbm": F("int32", (16,)),
                "positions_per_batch": 8, "chunk_size": 256, "dtype": nl.float32}, num_programs=2),
    CensusCase(f"{LIB}/experimental/loss/cross_entropy.py", "cross_entropy_backward",
               {"logits_hbm": F("float32", (16, 512)), "targets_hbm": F("int32", (16,)),
                "lse_state_hbm": F("float32", (16,)), "positions_per_batch": 8, "chunk_size": 256,
                "dtype": nl.float32, "inplace": False}, num_programs=2),
    CensusCase(f"{LIB}/experimental/collectives/topk_reduce.py", "topk_reduce",
               {"input": F("bfloat16", (8, 4, 2880)), "T": 4, "K": 4},
               partial=NO_STREAM_SHUFFLE),
    CensusCase("nki-moe/nki_custom_rmsnorm.py", "nki_rmsnorm_kernel",
               {"input_tensor": F("float32", (128, 512)), "weight": F("float32", (512,)), "eps": 1e-6}),
    CensusCase("nki-moe/nki_tensor_add_example.py", "nki_tensor_add_kernel",
               {"a_input": F("bfloat16", (128, 512)), "b_input": F("bfloat16", (128, 512))}),
    CensusCase(f"{LIB}/core/rmsnorm/rmsnorm_quant.py", "rmsnorm_quant_kernel",
               {"hidden": F("bfloat16", (1, 4, 256)), "ln_w": F("bfloat16", (256,)),
                "kargs": _rmsnorm_quant_args(1e-3)}),
    CensusCase(f"{LIB_TESTS}/core/utils/test_tp_broadcast.py", "tp_broadcast_hbm",
               {"src_hbm": F("float32", (5, 7)), "src_offset": 0, "broadcast_count": 1, "src_select_index": None}),
    CensusCase(f"{LIB}/core/output_projection/output_projection_tkg.py", "output_projection_tkg",
               {"attention": F("bfloat16", (32, 4, 8, 4)), "weight": F("bfloat16", (256, 3072)),
                "bias": F("bfloat16", (1, 3072)), "TRANSPOSE_OUT": True}, partial="helpers from modules absent in this corpus half"),
    CensusCase(f"{LIB}/experimental/collectives/sb2sb_allgather.py", "allgather_sb2sb",
               {"inp": F("bfloat16", (128, 512)), "tp_degree": 8}, partial="replica_groups"),
    CensusCase(f"{LIB}/core/topk/rotational_topk.py", "rotational_topk", {"inp": F("float32", (40, 4058))},
               partial="config (built by create_rotational_topk_config)"),
    CensusCase(f"{LIB}/core/qkv/qkv.py", "qkv",
               {"input": F("bfloat16", (1, 124, 512)), "fused_qkv_weights": F("bfloat16", (512, 512))},
               partial="helpers from modules absent in this corpus half"),
    CensusCase(f"{LIB}/core/qkv/qkv_tkg.py", "qkv_tkg",
               {"hidden": F("bfloat16", (1, 4, 16384)), "qkv_w": F("bfloat16", (16384, 384)),
                "norm_w": F("bfloat16", (1, 16384)), "d_head": 128, "num_kv_heads": 1, "num_q_heads": 1},
               partial="helpers from modules absent in this corpus half"),
    CensusCase(f"{LIB}/core/moe/moe_cte/bwmm_shard_on_block.py", "bwmm_shard_on_block",
               {"hidden_states": F("bfloat16", (1025, 3072)), "expert_affinities_masked": F("bfloat16", (1025 * 8, 1)),
                "gate_up_proj_weight": F("bfloat16", (8, 3072, 2, 2048)),
                "down_proj_weight": F("bfloat16", (8, 2048, 3072)), "block_size": 512,
                "token_position_to_id": F("int32", (12 * 512,)), "block_to_expert": F("int32", (12, 1))},
               partial="helpers from modules absent in this corpus half"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_view_ops",
               _view_ops((128, 64), nl.sbuf, (("slice", (1, 4, 16, 2)),), ((128, 6), (64, 2), 4)), "slice"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_view_ops",
               _view_ops((128, 8, 64), nl.hbm, (("select", (2, 8)),), ((128, 8), (512, 64), 8)), "select"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_view_ops",
               _view_ops((128, 24), nl.hbm, (("reshape", ((128, 4, 6),)),), ((128, 4, 6), (24, 6, 1), 0)), "reshape",
               partial=NO_ALLOCATOR),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_view_ops",
               _view_ops((128, 32, 16), nl.sbuf, (("slice", (1, 0, 16, 1)), ("permute", ((0, 2, 1),))),
                         ((128, 16, 16), (512, 1, 16), 0)), "slice-permute"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_view_ops",
               _view_ops((128, 1, 64), nl.sbuf, (("slice", (2, 0, 32, 1)), ("broadcast", (1, 8))),
                         ((128, 8, 32), (64, 0, 1), 0)), "slice-broadcast"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_dynamic_ops", _dynamic_ops((4, 2, 8), (("select", (0, 0)),), (2, 8)), "select"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_dynamic_ops",
               _dynamic_ops((4, 2, 8), (("select_dynamic", (0, 1)), ("permute", ((1, 0),))), (8, 2)), "select_dynamic"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_dynamic_ops",
               _dynamic_ops((256, 2, 8), (("vector_select", (0,)), ("permute", ((0, 2, 1),))), (128, 8, 2)),
               "vector_select"),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_reinterpret_cast", {"dummy_out": DUMMY_OUT, "shape": (128, 64)},
               partial=NO_ALLOCATOR),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_reinterpret_cast_mxfp4", {"dummy_out": DUMMY_OUT, "shape": (128, 64)},
               partial=NO_ALLOCATOR),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_reinterpret_cast_mxfp8", {"dummy_out": DUMMY_OUT, "shape": (128, 64)},
               partial=NO_ALLOCATOR),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_reinterpret_cast_bf16_fp16", {"dummy_out": DUMMY_OUT, "shape": (128, 64)},
               partial=NO_ALLOCATOR),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_tensorview_from_tensorview", {"dummy_out": DUMMY_OUT, "shape": (128, 64)}),
    CensusCase(TENSOR_VIEW_TEST, "kernel_test_chained_ops_on_tensorview_input",
               {"dummy_out": DUMMY_OUT, "shape": (128, 64)}),
    # test_gen_mask_tkg.py, flat KV cache, strided MM1: (batch, q_head, s_ctx, s_active) = (4, 1, 256, 1), LNC1
    CensusCase(f"{LIB_TESTS}/core/attention/test_gen_mask_tkg.py", "gen_mask_tkg_wrapper",
               {"pos_ids_hbm": F("float32", (128, 4)), "mask_out_hbm": F("float32", (128, 2, 4, 1, 1)), "bs": 4,
                "q_head": 1, "s_active": 1, "is_s_prior_sharded": False, "s_prior_per_shard": 256, "s_prior_offset": 0,
                "block_len": 0, "strided_mm1": True}, partial=NO_SBUF_MANAGER),
    CensusCase(f"{LIB}/core/attention/gen_mask_tkg.py", "gen_mask_tkg_hbm",
               {"pos_ids_hbm": F("float32", (1, 4)), "bs": 4, "q_head": 1, "s_active": 1, "s_prior": 256,
                "block_len": 0}, partial=NO_SBUF_MANAGER),
    CensusCase(f"{LIB_TESTS}/core/attention/test_attention_tkg.py", "attn_tkg_wrapper",
               {**_attention_tkg_inputs(), "attn_out_shape": (4, 1, 128, 5), "k_out_shape": (4, 1, 128, 5),
                "dtype": nl.bfloat16, "lnc": 1, "DBG": False}, partial=NO_ATTENTION_CONFIG),
    CensusCase(f"{LIB}/core/attention/attention_tkg.py", "attention_tkg",
               {**_attention_tkg_inputs(), "out": F("bfloat16", (4, 1, 128, 5)),
                "k_out": F("bfloat16", (4, 1, 128, 5)), "DBG_TENSORS": None}, partial=NO_ATTENTION_CONFIG),
    # test_qkv_tkg.py first row: LNC1, B=1, S=4, H=16384, fused_qkv_dim=384, 1 q head, 1 kv head, d_head=128, RMS
    CensusCase(f"{LIB_TESTS}/core/qkv/test_qkv_tkg.py", "qkv_tkg_sb2sb_wrapper_kernel",
               {"input": F("bfloat16", (1, 4, 16384)), "fused_qkv_weights": F("bfloat16", (16384, 384)),
                "output_layout": _enum("QKVOutputLayout", "BSD"), "fused_norm_type": _enum("NormType", "RMS_NORM"),
                "gamma_norm_weights": F("bfloat16", (1, 16384)), "d_head": 128, "num_q_heads": 1, "num_kv_heads": 1,
                "store_output_in_sbuf": True}, partial="SbufManager: core/utils/allocator.py is absent"),
    # test_router_topk.py: T=2, H=512, E=128, k=4, softmax, shard_on_tokens, output_in_sbuf, x in HBM as (H, T)
    CensusCase(f"{LIB_TESTS}/core/router_topk/test_router_topk_common.py", "router_topk_kernel_wrapper",
               {"x": F("bfloat16", (512, 2)), "w": F("bfloat16", (512, 128)), "w_bias": None,
                "router_logits": F("bfloat16", (2, 128)), "expert_affinities": F("float32", (2, 128)),
                "expert_index": F("uint32", (2, 4)), "act_fn": _enum("RouterActFnType", "SOFTMAX"), "k": 4,
                "x_hbm_layout": 0, "x_sb_layout": 0, "output_in_sbuf": True, "shard_on_tokens": True},
               partial="router_topk: core/router_topk/router_topk.py is absent (only the wrapper's SBUF round trip)"),
    # test_mlp_proj_mxfp4.py (trn3 and later, LNC2): BxS, H, I = 4, 3072, 192
    CensusCase(MLP_PROJ_TEST, "gate_up_proj_mxfp4_wrapper", _gate_up_mxfp4(4, 3072, 192), target="trn3",
               num_programs=2),
    CensusCase(MLP_PROJ_TEST, "down_proj_mxfp4_wrapper", _down_mxfp4(4, 3072, 192, True), "ssb", target="trn3",
               num_programs=2, partial=NO_STREAM_SHUFFLE),
    CensusCase(MLP_PROJ_TEST, "down_proj_mxfp4_wrapper", _down_mxfp4(4, 3072, 192, False), "pe", target="trn3",
               num_programs=2),
    # test_moe_tkg.py SBUF IO: vnc=2, tokens=4, hidden=3072, intermediate=128, 2 experts, all-expert, bf16
    CensusCase(f"{LIB_TESTS}/core/moe/moe_tkg/test_moe_tkg_wrapper.py", "moe_tkg_sbuf_io_wrapper",
               {"hidden_input": F("bfloat16", (4, 3072)), "gate_up_weights": F("bfloat16", (2, 3072, 2, 128)),
                "down_weights": F("bfloat16", (2, 128, 3072)), "expert_affinities": F("float32", (4, 2)),
                "expert_index": F("int32", (4, 2)), "is_all_expert": True, "rank_id": F("uint32", (1, 1)),
                "expert_affinities_scaling_mode": _enum("ExpertAffinityScaleMode", "POST_SCALE"),
                "activation_fn": _enum("ActFnType", "SiLU")}, num_programs=2,
               partial="moe_tkg: core/moe/moe_tkg/moe_tkg.py is absent"),
    # test_moe_cte.py SHARD_ON_INTERMEDIATE: hidden=3072, tokens=1024, 8 experts, block=512, top_k=4, I=2048, LNC2
    CensusCase(f"{LIB}/core/moe/moe_cte/bwmm_shard_on_I.py", "blockwise_mm_baseline_shard_intermediate", _moe_cte(),
               num_programs=2, partial=NO_MOE_CTE_UTILS),
    CensusCase(f"{LIB}/core/moe/moe_cte/bwmm_shard_on_I.py", "blockwise_mm_baseline_shard_intermediate_hybrid",
               _moe_cte(), num_programs=2, partial=NO_MOE_CTE_UTILS),
    # test_moe_bwmm_mx_cte.py (trn3, LNC2) shard-on-I: H=3072, T=1024, I=2048, E=8, B=256, top_k=4, MXFP4, Swish
    CensusCase(f"{LIB}/core/moe/moe_cte/bwmm_shard_on_I_mx.py", "blockwise_mm_shard_intermediate_mx",
               {**_moe_cte_mx(3072, 1024, 2048, 8, 256, 4, "float4_e2m1fn_x4"),
                "activation_function": _enum("ActFnType", "Swish")}, target="trn3", num_programs=2,
               partial=NO_MOE_CTE_UTILS),
    CensusCase(f"{LIB}/core/moe/moe_cte/bwmm_shard_on_I_mx.py", "blockwise_mm_shard_intermediate_mx_hybrid",
               {**_moe_cte_mx(3072, 1024, 2048, 8, 256, 4, "float4_e2m1fn_x4"),
                "activation_function": _enum("ActFnType", "Swish")}, target="trn3", num_programs=2,
               partial=NO_MOE_CTE_UTILS),
    # shard-on-block: H=3072, T=4096, I=384, E=2, B=256, top_k=2, MXFP8 e4m3, SiLU, n_static_blocks=2
    CensusCase(f"{LIB}/core/moe/moe_cte/bwmm_shard_on_block_mx.py", "bwmm_shard_on_block_mx",
               {**_moe_cte_mx(3072, 4096, 384, 2, 256, 2, "float8_e4m3fn_x4"), "n_static_blocks": 2,
                "activation_function": _enum("ActFnType", "SiLU")}, target="trn3", num_programs=2,
               partial=NO_MOE_CTE_UTILS, slow=True),
    # test_moe_cte_unified.py: SHARD_ON_INTERMEDIATE, H=3072, T=1024, E=8, B=512, top_k=4, I=2048, bias, post-scale
    CensusCase(MOE_CTE, "moe_cte",
               {**_moe_cte(blocks=15), "spec": SHARD_ON_I_SPEC, "gate_and_up_proj_bias": F("bfloat16", (8, 2, 2048)),
                "down_proj_bias": F("bfloat16", (8, 3072)),
                "expert_affinities_scaling_mode": _enum("ExpertAffinityScaleMode", "POST_SCALE")},
               num_programs=2, partial=NO_MOE_CTE_UTILS),
    # test_bwmm_shard_on_H.py (LNC2): H=6144, T=4096, E=16, B=512, top_k=4, I_TP=336, bf16, post-scale -> N=47
    CensusCase(f"{LIB}/experimental/moe/forward/bwmm_shard_on_H.py", "blockwise_mm_baseline_shard_hidden",
               {**_moe_cte(hidden=6144, tokens=4096, experts=16, block=512, intermediate=336, blocks=47),
                "expert_affinities_scaling_mode": _enum("ExpertAffinityScaleMode", "POST_SCALE")},
               num_programs=2, partial=NO_MOE_CTE_UTILS),
    # test_attention_block_tkg.py SBUF IO: AttnBlkTestConfig(batch=4, q_heads=8, d_head=64, H=6144, H_actual=2880,
    # S_ctx=S_max_ctx=11264, S_tkg=2, update_cache=False, rmsnorm_X=False, skip_rope=True, input_in_sb=True,
    # output_in_sb=True); the config's other defaults (test_attention_block_tkg_utils.py is absent) taken as off/NONE
    CensusCase(f"{LIB_TESTS}/experimental/transformer/test_attention_block_tkg.py",
               "attention_block_tkg_kernel_test_wrapper",
               {"X": F("bfloat16", (4, 2, 6144)), "X_in_sb": True, "X_hidden_dim_actual": 2880,
                "rmsnorm_X_enabled": False, "rmsnorm_X_eps": 1e-3, "rmsnorm_X_gamma": None,
                "W_qkv": F("bfloat16", (6144, 640)), "bias_qkv": None,
                "quantization_type_qkv": _enum("QuantizationType", "NONE"), "weight_dequant_scale_qkv": None,
                "input_dequant_scale_qkv": None, "rmsnorm_QK_enabled": False, "rmsnorm_QK_eps": 1e-3,
                "W_rmsnorm_Q_pre_rope": None, "W_rmsnorm_K_pre_rope": None, "cos": None, "sin": None,
                "rope_contiguous_layout": False, "rmsnorm_QK_post_rope_enabled": False,
                "rmsnorm_QK_post_rope_eps": 1e-3, "W_rmsnorm_Q_post_rope": None, "W_rmsnorm_K_post_rope": None,
                "skip_attention": False, "K_cache_transposed": False, "active_blocks_table": None,
                "K_cache": F("bfloat16", (4, 1, 11264, 64)), "V_cache": F("bfloat16", (4, 1, 11264, 64)),
                "attention_mask": F("uint8", (11264, 4, 8, 2)), "sink": None, "softmax_scale": None,
                "enable_fa_s_prior_tiling": False, "k_scale": None, "v_scale": None, "update_cache": False,
                "kv_cache_update_idx": F("uint32", (4, 1)), "W_out": F("bfloat16", (512, 6144)), "bias_out": None,
                "quantization_type_out": _enum("QuantizationType", "NONE"), "weight_dequant_scale_out": None,
                "input_dequant_scale_out": None, "transposed_out": False, "out_in_sb": True},
               partial="attention_block_tkg: experimental/transformer/attention_block_tkg.py is absent"),
]  # fmt: skip

#: MANIFEST rows (B2, ref = yes) without a census case, and why.
UNCOVERED: dict[str, str] = {
    f"{LIB}/core/mlp/mlp_tkg/down_projection_mx_shard_H.py": "SBUF inputs and a ProjConfig: covered through its "
    "test wrapper down_proj_mxfp4_wrapper",
    f"{LIB}/core/mlp/mlp_tkg/gate_up_projection_mx_shard_H.py": "SBUF inputs and a ProjConfig: covered through its "
    "test wrapper gate_up_proj_mxfp4_wrapper",
    f"{LIB}/core/subkernels/rmsnorm_tkg.py": "rmsnorm_tkg writes an SBUF `output` (argument facts only make HBM "
    "tensors) and its test test_rmsnorm_tkg.py is absent from this corpus half; exercised through qkv_tkg",
    f"{LIB}/core/utils/tp_broadcast.py": "covered through its test wrapper tp_broadcast_hbm",
    f"{LIB_TESTS}/experimental/collectives/test_sb2sb_allgather.py": "pytest methods; allgather_sb2sb is covered",
}
