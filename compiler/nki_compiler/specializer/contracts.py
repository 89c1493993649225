"""Static API-contract checks on `nisa` instructions (nki-language-rules.md §3.4–3.5, nki-api.md §4/§6).

Each check sees the bound argument values and their AST nodes; it only speaks when every fact it needs
is known (no false errors)."""

from __future__ import annotations

import ast
import enum
import math
import types
from collections.abc import Callable
from typing import Any

from nki_compiler.specializer.generations import check_generation
from nki_compiler.specializer.indirection import check_operands as check_indirect_operands
from nki_compiler.specializer.interpreter import Frame, Interpreter
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import RegisterValue, Unknown

Values = dict[str, Any]
Nodes = dict[str, ast.AST]

OUTPUT_OPERANDS = frozenset({"dst", "val_dst", "idx_dst", "reduce_res", "dst_scale", "dst_idx"})
_MATMUL_MOVING_MAX = {"trn1": 512, "trn2": 512, "trn3": 8192}


def _free(tensor: Tensor) -> int:
    return math.prod(tensor.shape[1:])


def _enum_name(value: Any) -> str | None:
    return getattr(value, "name", None)


class ContractChecker:
    __slots__ = ("interp", "frame", "call", "values", "nodes")

    def __init__(
        self, interp: Interpreter, frame: Frame, call: ast.Call, values: Values, nodes: Nodes
    ) -> None:
        self.interp = interp
        self.frame = frame
        self.call = call
        self.values = values
        self.nodes = nodes

    def where(self, key: str) -> ast.AST:
        return self.nodes.get(key, self.call)

    def report(self, code: str, key: str | None = None, **params: Any) -> None:
        self.interp.report(code, self.frame, self.where(key) if key else self.call, **params)

    def tensor(self, key: str) -> Tensor | None:
        value = self.values.get(key)
        return value if isinstance(value, Tensor) else None

    # -- per opcode --------------------------------------------------------------------------------
    def nc_matmul(self) -> None:
        dst, stationary, moving = self.tensor("dst"), self.tensor("stationary"), self.tensor("moving")
        if stationary is not None and stationary.buffer != "sbuf":
            self.report("NKI402", "stationary")
        if moving is not None and moving.buffer != "sbuf":
            self.report("NKI402", "moving")
        if dst is not None and dst.buffer != "psum":
            self.report("NKI402", "dst")
        transpose = self.values.get("is_transpose") is True
        if stationary is not None and moving is not None:
            if stationary.shape[0] != moving.shape[0] or stationary.shape[0] > 128:
                self.report("NKI402", "moving")
            elif not transpose and _free(stationary) > 128:
                self.report("NKI402", "stationary")
        if (
            moving is not None
            and not transpose
            and _free(moving) > _MATMUL_MOVING_MAX.get(self.interp.target, 512)
        ):
            self.report("NKI402", "moving")
        if (
            dst is not None
            and dst.buffer == "psum"
            and not transpose
            and self.interp.target in ("trn1", "trn2")
            and dst.dtype not in ("float32", "?")
        ):
            self.report("NKI403", "dst")
        self._matmul_modes(stationary, moving)

    def _matmul_modes(self, stationary: Tensor | None, moving: Tensor | None) -> None:
        position, size = self.values.get("tile_position", ()), self.values.get("tile_size", ())
        has_position = isinstance(position, (tuple, list)) and len(position) > 0
        has_size = isinstance(size, (tuple, list)) and len(size) > 0
        known = isinstance(position, (tuple, list)) and isinstance(size, (tuple, list))
        if known and has_position != has_size:
            self.report("NKI404", "tile_position" if has_position else "tile_size")
        if _enum_name(self.values.get("perf_mode")) == "double_row" and (has_position or has_size):
            self.report("NKI404", "perf_mode")
        if stationary is not None and moving is not None:
            if {stationary.dtype, moving.dtype} == {"float8_e4m3", "float8_e4m3fn"}:
                self.report("NKI405", "moving")

    def accumulate(self) -> None:
        """NKI406 (after the other `nc_matmul` checks): reads and updates which PSUM tiles a matmul wrote."""
        dst = self.tensor("dst")
        if dst is None:
            return
        done = self.interp.builder.psum_matmul_written
        if self.values.get("accumulate") is True and dst.storage.id not in done:
            self.report("NKI406", "accumulate")
        done.add(dst.storage.id)

    def register_load(self) -> None:
        self._single_element("src")

    def register_store(self) -> None:
        self._single_element("dst")

    def _single_element(self, key: str) -> None:
        tensor = self.tensor(key)
        if tensor is not None and tensor.size != 1:
            self.report("NKI413", key)

    def activation(self) -> None:
        bias = self.tensor("bias")
        if bias is not None and _free(bias) != 1:
            self.report("NKI414", "bias")

    def dma_copy(self) -> None:
        self._oob_skip()
        engine = _enum_name(self.values.get("engine"))
        if engine not in (None, "unknown") and _enum_name(self.values.get("dge_mode")) != "hwdge":
            self.report("NKI418", "engine")

    def dma_compute(self) -> None:
        self._oob_skip()

    def _oob_skip(self) -> None:
        if _enum_name(self.values.get("oob_mode")) != "skip":
            return
        operands = [v for v in self.values.values() if isinstance(v, Tensor)]
        operands += [
            t
            for v in self.values.values()
            if isinstance(v, (list, tuple))
            for t in v
            if isinstance(t, Tensor)
        ]
        if operands and not any(t.indirect for t in operands):
            self.report("NKI415", "oob_mode")


#: checks that depend only on the instruction's values and the target (their outcome is memoised)
CHECKS: dict[str, Callable[[ContractChecker], None]] = {
    "nc_matmul": ContractChecker.nc_matmul,
    "register_load": ContractChecker.register_load,
    "register_store": ContractChecker.register_store,
    "activation": ContractChecker.activation,
    "dma_copy": ContractChecker.dma_copy,
    "dma_compute": ContractChecker.dma_compute,
}
#: checks that read or update what earlier instructions did (run every time, after the others)
STATEFUL_CHECKS: dict[str, Callable[[ContractChecker], None]] = {"nc_matmul": ContractChecker.accumulate}


def check_instruction(
    interp: Interpreter, frame: Frame, name: str, call: ast.Call, values: Values, nodes: Nodes
) -> None:
    uninitialized_reads(interp, frame, call, values, nodes)
    key = values_key(name, values)
    if key is None or key not in interp.clean_checks:
        reported = interp.reports
        check_generation(interp, frame, name, call, values, nodes)
        check_indirect_operands(interp, frame, name, call, values, nodes)
        specific = CHECKS.get(name)
        if specific is not None:
            specific(ContractChecker(interp, frame, call, values, nodes))
        if key is not None and interp.reports == reported:
            interp.clean_checks.add(key)  # the same values pass again: nothing to check
    stateful = STATEFUL_CHECKS.get(name)
    if stateful is not None:
        stateful(ContractChecker(interp, frame, call, values, nodes))


def uninitialized_reads(
    interp: Interpreter, frame: Frame, call: ast.Call, values: Values, nodes: Nodes
) -> None:
    """NKI320: an on-chip tensor read before any instruction wrote it."""
    written = interp.builder.written
    for key, value in values.items():
        if not isinstance(value, Tensor) or value.storage.id in written or key in OUTPUT_OPERANDS:
            continue
        storage = value.storage
        if storage.kind == "alloc" and storage.on_chip:
            interp.report("NKI320", frame, nodes.get(key, call), t=storage.name)


_SCALARS = frozenset({bool, int, float, str, type(None), Unknown, RegisterValue, types.FunctionType})
_LONGEST = 64


def values_key(name: str, values: Values) -> tuple[Any, ...] | None:
    """Everything the value checks read from the instruction's values (tensors by buffer, view pairs,
    dtype and indirection flag), hashable; None when a value is of a kind they may read more of."""
    parts: list[Any] = [name]
    for key, value in values.items():
        if type(value) is Tensor and value.indirection is None:  # the common case of `_value_key`
            part: Any = (value.storage.buffer, value.dims, value.dtype, value.indirect)
        else:
            part = _value_key(value)
            if part is None:
                return None
        parts.append(key)
        parts.append(part)
    return tuple(parts)


def _value_key(value: Any) -> Any:
    kind = type(value)
    if kind is Tensor:
        if value.indirection is not None:
            return None
        return (value.storage.buffer, value.dims, value.dtype, value.indirect)
    if kind in _SCALARS or isinstance(value, (str, enum.Enum)):
        return (kind, value)
    if (kind is tuple or kind is list) and len(value) <= _LONGEST:
        parts = [_value_key(item) for item in value]
        return None if None in parts else (kind, *parts)
    return None
