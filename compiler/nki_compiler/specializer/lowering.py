"""`nl.*` convenience wrappers lowered to `nisa` instruction sequences (nki-api.md §3.2–3.5)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import nki.language as nl
from nki_compiler.diagnostics.codes import rule
from nki_compiler.ir.access import dtype_bytes
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.specializer.api import Call, buffer_name, dtype_name, shape_tuple
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import UNKNOWN, ParDim

PMAX = 128
PSUM_BANK_BYTES = 2048


def allocate(
    call: Call,
    shape: Any,
    dtype: Any,
    buffer: Any,
    name: Any = "",
    address: Any = None,
    shape_key: str = "shape",
) -> Any:
    dims = shape_tuple(shape)
    if dims is None:  # a shape of ints has no `nl.par_dim`
        dims = shape_tuple(_without_block_dims(call, shape, shape_key))
    kind, memory = dtype_name(dtype), buffer_name(buffer)
    if dims is None or kind is None or memory is None:
        call.interp.builder.complete = False
        return UNKNOWN
    interp, frame = call.interp, call.frame
    if memory in ("sbuf", "psum") and dims and dims[0] > PMAX:
        interp.report("NKI301", frame, call.nodes.get(shape_key, call.node), p=dims[0], sbuf_psum=memory)
    if memory == "psum":
        per_partition = math.prod(dims[1:]) * (dtype_bytes(kind) or 0)
        if per_partition > PSUM_BANK_BYTES:
            interp.report("NKI303", frame, call.nodes.get(shape_key, call.node), n=per_partition)
    pinned = None
    if isinstance(address, (tuple, list)) and len(address) == 2 and all(isinstance(a, int) for a in address):
        pinned = (address[0], address[1])
        if memory == "psum" and address[1] % PSUM_BANK_BYTES:
            interp.report("NKI319", frame, call.nodes.get("address", call.node))
    label = name if isinstance(name, str) else ""
    if label and label in interp.builder.names:
        interp.report("NKI318", frame, call.nodes.get("name", call.node), n=label)
    origin = frame.origins.get(call.node) or call.origin()
    return interp.builder.alloc(dims, kind, memory, origin, label, pinned)


def _without_block_dims(call: Call, shape: Any, shape_key: str) -> Any:
    """`nl.par_dim(P)` first is the old spelling of a plain shape; anywhere else it makes a block
    dimension, which 0.6 removed (NKI302): the shape is then not a fact."""
    if not isinstance(shape, (tuple, list)) or not any(isinstance(d, ParDim) for d in shape):
        return shape
    if isinstance(shape[0], ParDim) and not any(isinstance(d, ParDim) for d in shape[1:]):
        return (shape[0].size, *shape[1:])
    call.interp.report("NKI302", call.frame, call.nodes.get(shape_key, call.node))
    return UNKNOWN


def _ndarray(call: Call) -> Any:
    return allocate(
        call,
        call.get("shape"),
        call.get("dtype"),
        call.get("buffer"),
        call.get("name", ""),
        call.get("address"),
    )


def _filled(value: Any) -> Callable[[Call], Any]:
    def lower(call: Call) -> Any:
        tensor = allocate(
            call, call.get("shape"), call.get("dtype"), call.get("buffer"), call.get("name", "")
        )
        fill = call.get("fill_value") if value is None else value
        if isinstance(tensor, Tensor):
            call.emit(Opcode.MEMSET, {"dst": tensor, "value": fill})
        return tensor

    return lower


def _like(fill: Any) -> Callable[[Call], Any]:
    def lower(call: Call) -> Any:
        source = call.get("x")
        if not isinstance(source, Tensor):
            return UNKNOWN
        dtype = call.get("dtype") or source.dtype
        buffer = call.get("buffer") or (nl.sbuf if fill is not None else nl.MemoryRegion(source.buffer))
        tensor = allocate(call, source.shape, dtype, buffer, call.get("name", ""), shape_key="x")
        if isinstance(tensor, Tensor) and fill is not None:
            call.emit(Opcode.MEMSET, {"dst": tensor, "value": fill})
        return tensor

    return lower


def _one_tile(
    source_key: str, opcode: Opcode, buffer: Any, operand: str, transpose: bool = False
) -> Callable[[Call], Any]:
    """`nl.load`/`load_transpose2d`/`copy`/`transpose`: allocate the result tile, emit one instruction."""

    def lower(call: Call) -> Any:
        source = call.get(source_key)
        if not isinstance(source, Tensor) or (transpose and source.ndim != 2):
            return UNKNOWN
        shape = source.shape[::-1] if transpose else source.shape
        tile = allocate(call, shape, call.get("dtype") or source.dtype, buffer, shape_key=source_key)
        if isinstance(tile, Tensor):
            call.emit(opcode, {"dst": tile, operand: source})
        return tile

    return lower


_load = _one_tile("src", Opcode.DMA_COPY, nl.sbuf, "src")
_load_transpose2d = _one_tile("src", Opcode.DMA_TRANSPOSE, nl.sbuf, "src", transpose=True)
_copy = _one_tile("x", Opcode.TENSOR_COPY, nl.sbuf, "src")
_transpose = _one_tile("x", Opcode.NC_TRANSPOSE, nl.psum, "data", transpose=True)


def _store(call: Call) -> Any:
    call.emit(Opcode.DMA_COPY, {"dst": call.get("dst"), "src": call.get("value")})
    return None


def _matmul(call: Call) -> Any:
    x, y = call.get("x"), call.get("y")
    if not isinstance(x, Tensor) or not isinstance(y, Tensor) or x.ndim != 2 or y.ndim != 2:
        return UNKNOWN
    for key, operand in (("x", x), ("y", y)):
        if operand.buffer == "psum" and (key == "y" or call.get("transpose_x") is True):
            _psum_matmul_operand(call, key)
    stationary = x
    if call.get("transpose_x") is not True:  # x is [M, K]: the compiler transposes it first
        transposed = allocate(call, x.shape[::-1], x.dtype, nl.psum, shape_key="x")
        staged = allocate(call, x.shape[::-1], x.dtype, nl.sbuf, shape_key="x")
        if not isinstance(transposed, Tensor) or not isinstance(staged, Tensor):
            return UNKNOWN
        call.emit(Opcode.NC_TRANSPOSE, {"dst": transposed, "data": x})
        call.emit(Opcode.TENSOR_COPY, {"dst": staged, "src": transposed})
        stationary = staged
    result = allocate(call, (stationary.shape[1], y.shape[1]), nl.float32, nl.psum, shape_key="x")
    if isinstance(result, Tensor):
        call.emit(Opcode.NC_MATMUL, {"dst": result, "stationary": stationary, "moving": y})
    return result


def _psum_matmul_operand(call: Call, key: str) -> None:
    """NKI402: `nl.matmul` lowers to `nc_matmul`, whose stationary and moving operands must be in SBUF; a
    Beta-1 `nl.transpose` result (PSUM in 0.6) is the usual culprit."""
    text = rule("NKI402").format()
    detail = f"`{key}` of `nl.matmul` is a PSUM tile (e.g. an `nl.transpose` result): pass `nl.copy({key})`"
    call.interp.report("NKI402", call.frame, call.nodes.get(key, call.node), message=f"{text}; {detail}")


def _broadcast_to(call: Call) -> Any:
    """Free dims of size 1 repeat with stride 0; a 1-partition source is copied to every partition with a
    ones-matmul on the tensor engine (nki-api.md §3.3), in PSUM-bank-sized chunks."""
    x, shape = call.get("x"), shape_tuple(call.get("shape"))
    if not isinstance(x, Tensor) or shape is None or len(shape) != x.ndim or not x.on_chip:
        return UNKNOWN
    if any(have not in (want, 1) for have, want in zip(x.shape, shape, strict=True)):
        return UNKNOWN
    view = x
    for dim in range(1, x.ndim):
        if x.shape[dim] != shape[dim]:
            view = view.broadcast(dim, shape[dim])
    dtype = call.get("dtype") or x.dtype
    if shape[0] == x.shape[0] and dtype == x.dtype:
        return view
    result = allocate(call, shape, dtype, nl.sbuf, shape_key="x")
    if not isinstance(result, Tensor):
        return UNKNOWN
    if shape[0] == x.shape[0]:
        call.emit(Opcode.TENSOR_COPY, {"dst": result, "src": view})
        return result
    if x.ndim != 2:
        return UNKNOWN
    if str(x.dtype).startswith(("int", "uint", "bool")):
        return _broadcast_partitions_by_shuffle(call, view, result, shape)
    ones = allocate(call, (1, shape[0]), x.dtype, nl.sbuf, shape_key="x")
    if not isinstance(ones, Tensor):
        return UNKNOWN
    call.emit(Opcode.MEMSET, {"dst": ones, "value": 1})
    chunk = PSUM_BANK_BYTES // 4
    for start in range(0, shape[1], chunk):
        width = min(chunk, shape[1] - start)
        partial = allocate(call, (shape[0], width), nl.float32, nl.psum, shape_key="x")
        if not isinstance(partial, Tensor):
            return UNKNOWN
        moving = view.getitem((slice(None), slice(start, start + width)))
        call.emit(Opcode.NC_MATMUL, {"dst": partial, "stationary": ones, "moving": moving})
        target = result.getitem((slice(None), slice(start, start + width)))
        call.emit(Opcode.TENSOR_COPY, {"dst": target, "src": partial})
    return result


def _broadcast_partitions_by_shuffle(call: Call, view: Tensor, result: Tensor, shape: tuple[int, ...]) -> Any:
    """Integer tiles cannot go through the Tensor engine (float inputs only): copy the one source
    partition into every 32-partition quadrant with `nc_stream_shuffle` (mask all 0, nki-api.md §4)."""
    staged = result
    if result.dtype != view.dtype:
        staged = allocate(call, shape, view.dtype, nl.sbuf, shape_key="x")
        if not isinstance(staged, Tensor):
            return UNKNOWN
    for start in range(0, shape[0], 32):
        quadrant = staged.getitem((slice(start, min(start + 32, shape[0])), slice(None)))
        call.emit(Opcode.NC_STREAM_SHUFFLE, {"dst": quadrant, "src": view, "shuffle_mask": [0] * 32})
    if staged is not result:
        call.emit(Opcode.TENSOR_COPY, {"dst": result, "src": staged})
    return result


def _device_print(call: Call) -> Any:
    call.emit(Opcode.DEVICE_PRINT, {"print_prefix": call.get("print_prefix"), "tensor": call.get("tensor")})
    return None


def _random_seed(call: Call) -> Any:
    seed = call.get("seed")
    if isinstance(seed, int):
        call.interp.report("NKI411", call.frame, call.nodes.get("seed", call.node))
    return None


def _rand(call: Call) -> Any:
    """Uniform [0, 1) (nki-api.md §3.2): `rand2` on trn3; earlier targets draw 16 random bits with `rng`
    and scale them by 2**-16, which stays below 1 exactly."""
    result = allocate(call, call.get("shape"), call.get("dtype"), call.get("buffer"), call.get("name", ""))
    if not isinstance(result, Tensor):
        return UNKNOWN
    if call.interp.target == "trn3":
        call.emit(Opcode.RAND2, {"dst": result, "min": 0.0, "max": 1.0})
        return result
    bits = allocate(call, result.shape, nl.uint16, nl.sbuf)
    if not isinstance(bits, Tensor):
        return UNKNOWN
    call.emit(Opcode.RNG, {"dst": bits})
    scale = {"dst": result, "data": bits, "op0": vars(nl)["multiply"], "operand0": 2.0**-16}
    call.emit(Opcode.TENSOR_SCALAR, scale)
    return result


def _dropout(call: Call) -> Any:
    """`nl.dropout(x, rate, dtype)`: `nisa.dropout` keeps the dtype of `x`; another `dtype` is a copy after it."""
    x, rate = call.get("x"), call.get("rate")
    if not isinstance(x, Tensor) or isinstance(rate, bool) or not isinstance(rate, (Tensor, float, int)):
        return UNKNOWN
    dropped = allocate(call, x.shape, x.dtype, nl.sbuf, shape_key="x")
    dtype = call.get("dtype") or x.dtype
    result = dropped if dtype == x.dtype else allocate(call, x.shape, dtype, nl.sbuf, shape_key="x")
    if not isinstance(dropped, Tensor) or not isinstance(result, Tensor):
        return UNKNOWN
    call.emit(Opcode.DROPOUT, {"dst": dropped, "data": x, "prob": rate})
    if result is not dropped:
        call.emit(Opcode.TENSOR_COPY, {"dst": result, "src": dropped})
    return result


def _is_column(tensor: Tensor, other: Tensor) -> bool:
    return tensor.shape[0] == other.shape[0] and math.prod(tensor.shape[1:]) == 1


def binary(call: Call, op: Any) -> Any:
    x, y = call.get("x"), call.get("y")
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        return UNKNOWN
    if (
        getattr(op, "__nki_qualname__", "") == "nki.language.power"
        and not isinstance(y, Tensor)
        and isinstance(y, (int, float))
    ):
        call.interp.report("NKI409", call.frame, call.nodes.get("y", call.node))
    data = x if isinstance(x, Tensor) else y
    other = y if data is x else x
    if isinstance(other, Tensor) and other.shape != data.shape:
        if _is_column(data, other) and data is x:
            data, other = other, data
        if not _is_column(other, data):
            call.interp.report("NKI412", call.frame, call.node, binop=call.name, a=x.shape, b=y.shape)
            return UNKNOWN
    dtype = call.get("dtype") or data.dtype
    result = allocate(call, data.shape, dtype, nl.sbuf, shape_key="x")
    if not isinstance(result, Tensor):
        return UNKNOWN
    if isinstance(other, Tensor) and other.shape == data.shape:
        call.emit(Opcode.TENSOR_TENSOR, {"dst": result, "data1": x, "data2": y, "op": op})
    else:
        reverse = data is y
        operands = {"dst": result, "data": data, "op0": op, "operand0": other}
        if reverse:
            operands["reverse0"] = True
        call.emit(Opcode.TENSOR_SCALAR, operands)
    return result


def unary(call: Call, op: Any) -> Any:
    x = call.get("x")
    if not isinstance(x, Tensor):
        return UNKNOWN
    result = allocate(call, x.shape, call.get("dtype") or x.dtype, nl.sbuf, shape_key="x")
    if isinstance(result, Tensor):
        call.emit(Opcode.ACTIVATION, {"dst": result, "op": op, "data": x})
    return result


def reduce(call: Call, op: Any) -> Any:
    x, axis = call.get("x"), call.get("axis")
    axes = (axis,) if isinstance(axis, int) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if not isinstance(x, Tensor) or axes is None or not all(isinstance(a, int) for a in axes):
        return UNKNOWN
    axes = tuple(a % x.ndim for a in axes) if x.ndim else axes
    keep = call.get("keepdims") is True
    shape = tuple((1 if keep else None) if i in axes else d for i, d in enumerate(x.shape))
    dims = tuple(d for d in shape if d is not None)
    result = allocate(
        call, dims if len(dims) >= 2 else (*dims, 1), call.get("dtype") or x.dtype, nl.sbuf, shape_key="x"
    )
    if isinstance(result, Tensor):
        call.emit(Opcode.TENSOR_REDUCE, {"dst": result, "op": op, "data": x, "axis": axis, "keepdims": keep})
    return result


def _reciprocal(call: Call) -> Any:
    x = call.get("x")
    if not isinstance(x, Tensor):
        return UNKNOWN
    result = allocate(call, x.shape, call.get("dtype") or x.dtype, nl.sbuf, shape_key="x")
    if isinstance(result, Tensor):
        call.emit(Opcode.RECIPROCAL, {"dst": result, "data": x})
    return result


def _negative(call: Call) -> Any:
    x = call.get("x")
    if not isinstance(x, Tensor):
        return UNKNOWN
    result = allocate(call, x.shape, call.get("dtype") or x.dtype, nl.sbuf, shape_key="x")
    if isinstance(result, Tensor):
        call.emit(
            Opcode.TENSOR_SCALAR, {"dst": result, "data": x, "op0": vars(nl)["multiply"], "operand0": -1.0}
        )
    return result


def _shared_identity_matrix(call: Call) -> Any:
    """An n x n identity in SBUF (usable as a matmul operand): ones where partition == column."""
    n, dst = call.get("n"), call.get("dst")
    if not isinstance(n, int):
        return UNKNOWN
    dtype = call.get("dtype") or nl.uint8
    if not isinstance(dst, Tensor):
        dst = allocate(call, (n, n), dtype, nl.sbuf, shape_key="n")
    ones = allocate(call, (n, n), dtype, nl.sbuf, shape_key="n")
    if isinstance(dst, Tensor) and isinstance(ones, Tensor):
        call.emit(Opcode.MEMSET, {"dst": ones, "value": 1})
        call.emit(Opcode.AFFINE_SELECT, {
            "dst": dst, "pattern": ((-1, n),), "channel_multiplier": 1, "on_true_tile": ones,
            "on_false_value": 0.0, "cmp_op": vars(nl)["equal"], "offset": 0,
        })  # fmt: skip
    return dst


HANDLERS: dict[str, Callable[[Call], Any]] = {
    "ndarray": _ndarray, "zeros": _filled(0), "ones": _filled(1), "full": _filled(None),
    "zeros_like": _like(0), "empty_like": _like(None), "load": _load, "load_transpose2d": _load_transpose2d,
    "store": _store, "copy": _copy, "transpose": _transpose, "matmul": _matmul, "device_print": _device_print,
    "random_seed": _random_seed, "rand": _rand, "dropout": _dropout, "reciprocal": _reciprocal, "negative": _negative, "broadcast_to": _broadcast_to,
    "shared_identity_matrix": _shared_identity_matrix,
}  # fmt: skip
