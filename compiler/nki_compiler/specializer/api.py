"""`nl.*` and `nisa.*` calls: every `nisa` call becomes one IR instruction (operands keep the `nki.isa`
parameter names); `nl` wrappers lower to their documented `nisa` sequences (nki-api.md §3)."""

from __future__ import annotations

import ast
import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import nki.isa as nisa
import nki.language as nl
from nki_compiler.ir.access import DTYPE_BYTES
from nki_compiler.ir.opcodes import BY_NAME, Opcode
from nki_compiler.ir.program import Instruction
from nki_compiler.specializer.binding import apply_plan, bind_arguments, binding_plan
from nki_compiler.specializer.contracts import check_instruction
from nki_compiler.specializer.generations import check_language_operator
from nki_compiler.specializer.indirection import bind_groups
from nki_compiler.specializer.interpreter import Frame, Interpreter
from nki_compiler.specializer.runtime_loops import fori_loop, while_loop
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import (
    UNKNOWN,
    ContextManager,
    DynamicRange,
    InstructionHandle,
    RegisterValue,
    is_unknown,
)  # fmt: skip

_RANGES = {"affine_range", "sequential_range", "static_range", "range"}
_PREDICATES = {"is_hbm", "is_on_chip", "is_psum", "is_sbuf"}
_BINARY = {
    "add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "abs_max", "abs_min", "fmod", "mod",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "bitwise_and", "bitwise_or",
    "bitwise_xor", "left_shift", "right_shift", "logical_and", "logical_or", "logical_xor",
}  # fmt: skip
_UNARY = {
    "abs", "square", "sign", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "arctan", "ceil", "floor", "trunc",
    "tanh", "sigmoid", "relu", "gelu", "gelu_apprx_sigmoid", "gelu_apprx_tanh", "gelu_dx", "gelu_apprx_sigmoid_dx",
    "silu", "silu_dx", "softplus", "mish", "erf", "erf_dx",
}  # fmt: skip
_REDUCE = {"sum": "add", "max": "maximum", "min": "minimum", "prod": "multiply"}
_VERSIONS = {"trn1": "gen2", "trn2": "gen3", "trn3": "gen4"}


class Call:
    """One API call: bound argument values and the AST node of each argument."""

    __slots__ = ("interp", "frame", "name", "values", "nodes", "node", "get")
    get: Callable[..., Any]

    def __init__(
        self,
        interp: Interpreter,
        frame: Frame,
        name: str,
        values: dict[str, Any],
        nodes: dict[str, ast.AST],
        node: ast.Call,
    ) -> None:
        self.interp = interp
        self.frame = frame
        self.name = name
        self.values = values
        self.nodes = nodes
        self.node = node
        self.get = values.get  # `call.get(key, default)`: the bound value of a parameter

    def origin(self) -> Any:
        return self.interp.origin(self.frame, self.node)

    def emit(self, opcode: Opcode, operands: dict[str, Any], name: Any = None) -> Instruction:
        origin = self.frame.origins.get(self.node) or self.origin()
        return self.interp.builder.emit(opcode, operands, origin, name)


def call_api(
    interp: Interpreter,
    frame: Frame,
    qualname: str,
    obj: Any,
    args: list[Any],
    kwargs: dict[str, Any],
    node: ast.Call,
) -> Any:
    site = api_site(interp, frame, qualname, obj, args, kwargs, node)
    return UNKNOWN if site is None else invoke(site, interp, frame, obj, args, kwargs, node)


Site = tuple[Callable[[Call, Any], Any], str, Any, dict[str, ast.AST]]


def api_site(
    interp: Interpreter,
    frame: Frame,
    qualname: str,
    obj: Any,
    args: list[Any],
    kwargs: dict[str, Any],
    node: ast.Call,
) -> Site | None:
    """The call site of `obj` at `node`, bound once (None when the arguments do not bind)."""
    key = (node, obj, len(args), tuple(kwargs))
    site = interp.api_sites.get(key)
    if site is None:
        site = _call_site(interp, frame, qualname, obj, args, kwargs, node)
        if site is not None:
            interp.api_sites[key] = site
    return site


def invoke(
    site: Site,
    interp: Interpreter,
    frame: Frame,
    obj: Any,
    args: list[Any],
    kwargs: dict[str, Any],
    node: ast.Call,
) -> Any:
    handler, name, plan, nodes = site
    return handler(Call(interp, frame, name, apply_plan(plan, args, kwargs), nodes, node), obj)


def invoke_bound(
    site: Site, interp: Interpreter, frame: Frame, obj: Any, values: dict[str, Any], node: ast.Call
) -> Any:
    """`invoke` with the arguments already bound to parameters (see `direct_binding`)."""
    handler, name, _, nodes = site
    return handler(Call(interp, frame, name, values, nodes, node), obj)


def direct_binding(
    site: Site, positional: int, keywords: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[int, ...] | None] | None:
    """The parameters in the order `invoke` binds them, and the index into the call's arguments
    (positional ones, then keywords in order) of each, None when that is the arguments' own order; None
    when a parameter collects several (`*args`, `**kwargs`)."""
    names, indices = [], []
    for name, source, where in site[2]:
        if source == "positional":
            indices.append(where)
        elif source == "keyword":
            indices.append(positional + keywords.index(where))
        else:
            return None
        names.append(name)
    in_order = indices == list(range(positional + len(keywords)))
    return tuple(names), None if in_order else tuple(indices)


def _call_site(
    interp: Interpreter,
    frame: Frame,
    qualname: str,
    obj: Any,
    args: list[Any],
    kwargs: dict[str, Any],
    node: ast.Call,
) -> Site | None:
    """How the arguments of this call bind (the same at every execution of `node` with `obj`), and the
    AST node of each argument; None when they do not bind."""
    module, _, name = qualname.rpartition(".")
    try:
        signature = _signature(obj)
        plan = binding_plan(obj, signature, len(args), tuple(kwargs))
        nodes = bind_arguments(
            obj,
            signature,
            list(node.args)[: len(args)],
            {k.arg: k.value for k in node.keywords if k.arg},
            partial=True,
        )
    except (TypeError, ValueError):
        if module == "nki.isa" and not args and "dst" not in kwargs and _has_dst(obj):
            interp.report("NKI401", frame, node, op=name)
        return None  # arity and keyword errors are the front end's (NKI113/NKI114)
    return _handler(module, name), name, plan, nodes


def _handler(module: str, name: str) -> Callable[[Call, Any], Any]:
    if module == "nki.isa":
        return _isa
    if module != "nki.language":
        return lambda call, obj: UNKNOWN
    return _language_handler(name)


@functools.lru_cache(maxsize=1024)
def _signature(obj: Any) -> inspect.Signature:
    return inspect.signature(obj)


def _has_dst(obj: Any) -> bool:
    try:
        return "dst" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False


# -- nki.isa ---------------------------------------------------------------------------------------------
def _isa(call: Call, obj: Any = None) -> Any:
    name = call.name
    special = _ISA_QUERIES.get(name)
    if special is not None:
        return special(call)
    opcode = BY_NAME.get(name)
    if opcode is None:
        return UNKNOWN
    values = call.values
    for key, value in values.items():
        if isinstance(value, InstructionHandle):
            call.interp.report("NKI401", call.frame, call.nodes.get(key, call.node), op=value.opcode)
            return InstructionHandle(name, call.node)
    operands = {k: v for k, v in values.items() if k != "name"} if "name" in values else values
    check_instruction(call.interp, call.frame, name, call.node, values, call.nodes)
    instruction = call.emit(opcode, bind_groups(name, operands), values.get("name"))
    return InstructionHandle(name, call.node, instruction.id)


def _nc_version(call: Call) -> Any:
    return getattr(nisa.nc_version, _VERSIONS.get(call.interp.target, "gen3"))


def _register_alloc(call: Call) -> Any:
    register = call.interp.builder.register()
    call.emit(Opcode.REGISTER_ALLOC, {"dst": register, "x": call.get("x")})
    return register


#: `nisa` calls that are not one plain instruction
_ISA_QUERIES: dict[str, Callable[[Call], Any]] = {
    "get_nc_version": _nc_version, "get_nc_sub_version": lambda call: 0, "register_alloc": _register_alloc,
}  # fmt: skip


def depends_on(interp: Interpreter, handle: InstructionHandle, producers: list[Any]) -> InstructionHandle:
    """`inst.depends_on(*producers)`: explicit scheduling edges; unknown producers add nothing."""
    ids = [p.instruction for p in producers if isinstance(p, InstructionHandle)]
    interp.builder.depends_on(handle.instruction, ids)
    return handle


# -- nki.language ----------------------------------------------------------------------------------------
def _language_handler(name: str) -> Callable[[Call, Any], Any]:
    """The handler of `nl.<name>`, decided once per call site."""
    decided = _DECIDED.get(name)
    if decided is not None:
        return decided
    from nki_compiler.specializer import lowering

    lowered = lowering.HANDLERS.get(name)
    if lowered is not None:
        return lambda call, obj: lowered(call)
    if name in _BINARY:

        def binary(call: Call, obj: Any) -> Any:
            check_language_operator(call.interp, call.frame, name, call.node)
            return lowering.binary(call, obj)

        return binary
    if name in _UNARY:
        return lowering.unary
    if name in _REDUCE:
        op = getattr(nl, _REDUCE[name])
        return lambda call, obj: lowering.reduce(call, op)
    return lambda call, obj: UNKNOWN


def _range(call: Call, obj: Any) -> Any:
    args = [call.get(k) for k in ("start", "stop", "step") if k in call.values]
    args = [a for a in args if a is not None]
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return UNKNOWN
    return range(*args)


def _dynamic_range(call: Call, obj: Any) -> Any:
    start, stop = call.get("start"), call.get("stop")
    return (
        DynamicRange(0, start, call.get("step", 1))
        if stop is None
        else DynamicRange(start, stop, call.get("step", 1))
    )


def _ds(call: Call, obj: Any) -> Any:
    start, size = call.get("start"), call.get("size")
    return slice(start, start + size) if isinstance(start, int) and isinstance(size, int) else UNKNOWN


def _predicate(call: Call, obj: Any) -> Any:
    buffer = call.get("buffer")
    return obj(buffer) if isinstance(buffer, nl.MemoryRegion) else UNKNOWN


def _program_id(call: Call, obj: Any) -> Any:
    return call.interp.program_id if call.get("axis", 0) == 0 else UNKNOWN


def _num_programs(call: Call, obj: Any) -> Any:
    return call.interp.num_programs if call.get("axes", 0) in (0, None) else UNKNOWN


#: `nl` names answered here, before any `lowering` handler
_DECIDED: dict[str, Callable[[Call, Any], Any]] = {
    **dict.fromkeys(_RANGES, _range), **dict.fromkeys(_PREDICATES, _predicate),
    "dynamic_range": _dynamic_range, "ds": _ds, "program_id": _program_id, "num_programs": _num_programs,
    "program_ndim": lambda call, obj: 1 if call.interp.num_programs > 1 else 0,
    "no_reorder": lambda call, obj: ContextManager("no_reorder"),
    "fori_loop": lambda call, obj: fori_loop(call), "while_loop": lambda call, obj: while_loop(call),
}  # fmt: skip


def dtype_name(value: Any) -> str | None:
    text = str(value) if isinstance(value, str) else None
    return text if text in DTYPE_BYTES else None


def buffer_name(value: Any, default: str = "sbuf") -> str | None:
    if value is None:
        return default
    return value._value_ if isinstance(value, nl.MemoryRegion) else None  # `.value`, without the descriptor


def shape_tuple(value: Any) -> tuple[int, ...] | None:
    if type(value) is tuple and all([type(d) is int for d in value]):
        return value  # the common case, decided as below
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if not isinstance(value, (tuple, list)) or is_unknown(value):
        return None
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in value):
        return None
    return tuple(value)


__all__ = ["Call", "RegisterValue", "Tensor", "buffer_name", "call_api", "dtype_name", "math", "shape_tuple"]
