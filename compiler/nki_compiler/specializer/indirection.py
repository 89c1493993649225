"""Tensor indirection (nki-api.md §3.10, v4 only): `t.indirect(index, num_elem=None)` and the instructions
that accept such views.

The view is `(P, num_elem)`: column `i` is free offset `offsets[i]` of `t` (an index into `t`'s flattened
free dimensions) on each of `t`'s partitions, the offsets read from the `(P, K)` SBUF `index` in snake order
with a group size that depends on the engine (16 for Vector/Scalar/GpSimd, 32 for the Tensor engine), so the
group is fixed when an instruction takes the view (`bind_groups`). As an input it gathers, as `dst` it
scatters (`nki_sim.dynamic.indirected_view`). Wrong arguments of `.indirect()` are NKI313 (NKI311 on an
already indirect view); an operand or engine an instruction does not accept is NKI416.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from nki_compiler.ir.access import AccessPattern, TensorIndirection
from nki_compiler.specializer.tensors import Tensor, ViewError
from nki_compiler.specializer.values import UNKNOWN

if TYPE_CHECKING:
    from nki_compiler.specializer.interpreter import Frame, Interpreter

VECTOR_GROUP = 16
TENSOR_ENGINE_GROUP = 32
TENSOR_ENGINE = frozenset({"nc_matmul", "nc_matmul_mx"})

#: instruction -> the operands that may be `.indirect()` views (nki-api.md §3.10)
ACCEPTED: dict[str, frozenset[str]] = {
    name: frozenset(keys)
    for name, keys in {
        "nc_matmul": ("dst", "stationary", "moving"),
        "nc_matmul_mx": ("dst", "stationary", "moving", "stationary_scale", "moving_scale"),
        "tensor_tensor": ("dst", "data1"),
        "tensor_scalar": ("dst", "data"),
        "tensor_reduce": ("dst", "data"),
        "tensor_copy": ("dst", "src"),
        "tensor_copy_predicated": ("dst", "predicate"),
        "tensor_scalar_reduce": ("dst", "data"),
        "tensor_scalar_cumulative": ("dst", "src"),
        "activation": ("dst", "data"),
        "activation_reduce": ("dst", "data"),
        "activate2": ("dst", "data"),
        "exponential": ("dst", "src"),
    }.items()
}
#: Tensor-engine dtypes of indirect matmul inputs
MATMUL_DTYPES = frozenset({"float16", "bfloat16", "float8_e4m3", "float8_e5m2", "float8_e4m3fn"})
SCALAR_ENGINE_OPS = frozenset({"activation", "activation_reduce", "activate2"})


@dataclass(frozen=True)
class Indirection:
    """What `source.indirect(index, num_elem)` made; `group` is set by the instruction that reads it."""

    source: Tensor
    index: Tensor
    num_elem: int
    group: int = VECTOR_GROUP

    def pattern(self, dtype: str) -> AccessPattern:
        source = self.source
        ti = TensorIndirection(self.index.pattern(), self.num_elem, self.group)
        return AccessPattern(source.storage, source.offset, source.dims, dtype, True, ti)


def indirect(source: Tensor, index: Any, num_elem: Any = None) -> Any:
    """`source.indirect(index, num_elem)`: a `(P, num_elem)` view (`ViewError` on a known violation)."""
    if source.indirect:
        raise ViewError("NKI311", t=source.name or "tensor")
    if not source.on_chip:
        raise ViewError("NKI313", detail=".indirect() needs an SBUF or PSUM tensor")
    if not isinstance(index, Tensor):
        raise ViewError("NKI313", detail=f".indirect(): index must be an SBUF tensor (P, K), got {index!r}")
    partitions = source.shape[0] if source.shape else 1
    if index.buffer != "sbuf" or index.ndim != 2 or index.shape[0] != partitions:
        raise ViewError(
            "NKI313",
            detail=f".indirect(): index must be an SBUF tensor (P, K) with P = {partitions} (the tensor's "
            f"partitions), got {index.buffer} {list(index.shape)}",
        )
    count = index.size if num_elem is None else num_elem
    if not isinstance(count, int) or isinstance(count, bool):
        return UNKNOWN
    if not 1 <= count <= index.size:
        raise ViewError(
            "NKI313",
            detail=f".indirect(): num_elem = {count} must be between 1 and index.size = {index.size}",
        )
    dims = ((source.dims[0][0] if source.dims else 1, partitions), (1, count))
    return Tensor(
        source.storage, source.offset, dims, source.dtype, True, True, None, Indirection(source, index, count)
    )


def bind_groups(name: str, operands: dict[str, Any]) -> dict[str, Any]:
    """The operands with each indirect view's snake-order group fixed by the engine of `name`."""
    if name not in TENSOR_ENGINE:
        return operands
    bound = operands
    for key, value in operands.items():
        if isinstance(value, Tensor) and value.indirection is not None:
            if bound is operands:
                bound = dict(operands)
            indirection = replace(value.indirection, group=TENSOR_ENGINE_GROUP)
            bound[key] = replace(value, indirection=indirection)
    return bound


def check_operands(
    interp: Interpreter,
    frame: Frame,
    name: str,
    call: ast.Call,
    values: dict[str, Any],
    nodes: dict[str, ast.AST],
) -> None:
    """NKI416 for an indirect view where `nisa.<name>` does not take one (operand, engine, tiling, dtype)."""
    indirect = {k: v for k, v in values.items() if isinstance(v, Tensor) and v.indirection is not None}
    if not indirect:
        return

    def report(key: str | None, reason: str) -> None:
        where = nodes.get(key, call) if key else call.func
        interp.report("NKI416", frame, where, reason=reason)

    accepted = ACCEPTED.get(name)
    if accepted is None:
        report(next(iter(indirect)), f"nisa.{name} does not take tensor-indirection (.indirect()) operands")
        return
    for key in indirect:
        if key not in accepted:
            allowed = ", ".join(sorted(accepted))
            report(key, f"{key} of nisa.{name} cannot be an .indirect() view (only {allowed})")
    for key, reason in _restrictions(name, values, indirect):
        report(key, reason)


def _restrictions(name: str, values: dict[str, Any], indirect: dict[str, Any]) -> list[tuple[str, str]]:
    engine = getattr(values.get("engine"), "name", None)
    found: list[tuple[str, str]] = []
    if name == "tensor_copy" and engine == "gpsimd":
        found.append(("engine", "tensor_copy with .indirect() operands runs on Vector or Scalar only"))
    dst = indirect.get("dst")
    on_scalar = name in SCALAR_ENGINE_OPS or (name == "tensor_copy" and engine == "scalar")
    if dst is not None and dst.buffer == "psum" and on_scalar:
        found.append(("dst", "the Scalar engine cannot scatter (.indirect() dst) into PSUM"))
    if name == "nc_matmul":
        found += _matmul_restrictions(values, indirect)
    if name == "nc_matmul_mx":
        found += _matmul_mx_restrictions(values)
    return found


def _matmul_restrictions(values: dict[str, Any], indirect: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = values.get("tile_position")
    if isinstance(position, (tuple, list)) and any(isinstance(x, int) and x != 0 for x in position):
        found.append(
            ("tile_position", "nc_matmul with .indirect() operands needs tile_position (0, 0) or none")
        )
    if values.get("is_transpose") is True and "moving" in indirect:
        found.append(("moving", "with is_transpose=True, moving cannot be an .indirect() view"))
    for key in ("stationary", "moving"):
        dtype = getattr(values.get(key), "dtype", None)
        if isinstance(dtype, str) and dtype != "?" and dtype not in MATMUL_DTYPES:
            found.append((key, f"an indirect nc_matmul takes fp16/bf16/fp8 inputs, not {dtype}"))
    return found


def _matmul_mx_restrictions(values: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for key in ("tile_position", "tile_size"):
        if _given(values.get(key)):
            found.append((key, "nc_matmul_mx with .indirect() operands cannot be tiled"))
    for data, scale in (("stationary", "stationary_scale"), ("moving", "moving_scale")):
        pair = values.get(data), values.get(scale)
        if all(isinstance(v, Tensor) for v in pair) and _index_of(pair[0]) != _index_of(pair[1]):
            found.append((scale, f"{data} and {scale} must both be indirect with the same index, or neither"))
    return found


def _given(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) > 0


def _index_of(value: Any) -> Any:
    indirection = getattr(value, "indirection", None)
    return None if indirection is None else indirection.index
