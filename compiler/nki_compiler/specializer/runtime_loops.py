"""`nl.fori_loop` / `nl.while_loop`: the body function is specialized once into a structured loop."""

from __future__ import annotations

from typing import Any

from nki_compiler.ir.opcodes import Opcode
from nki_compiler.specializer.values import UNKNOWN, Function, RegisterValue


def _run_body(call: Any, body: Any, argument: Any) -> Any:
    from nki_compiler.specializer.calls import apply

    if not isinstance(body, Function):
        return UNKNOWN
    return apply(call.interp, call.frame, body, [argument], {}, call.node)


def fori_loop(call: Any) -> Any:
    builder = call.interp.builder
    step = call.get("step", 1)
    register = builder.register(frozen=True)
    builder.open_body()
    _run_body(call, call.get("body_fun"), register)
    builder.close_loop(
        Opcode.FORI_LOOP,
        register,
        call.get("lower"),
        call.get("upper"),
        step if isinstance(step, int) and not isinstance(step, bool) else 1,
        call.origin(),
    )
    return None


def while_loop(call: Any) -> Any:
    builder = call.interp.builder
    initial = call.get("init")
    register = initial if isinstance(initial, RegisterValue) else builder.register()
    builder.open_body()
    result = _run_body(call, call.get("body_fun"), register)
    builder.close_loop(Opcode.WHILE_LOOP, register, None, None, 1, call.origin(), result)
    return None
