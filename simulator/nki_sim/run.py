"""Executing a specialized NKI IR program on the simulator: `run(program, inputs) -> outputs`.

The program runs in program order on one `Machine`: kernel arguments become HBM inputs (an argument the
kernel writes is updated in the caller's array), every other storage is allocated on first use, each
access pattern becomes a bounds-checked view, registers are substituted by their current values and
each instruction goes through the `SEMANTICS` dispatch table. Runtime loops set their induction register
and re-run their body. A `SimulationError` gets the kernel source line of the failing instruction.

LNC2: the specializer builds one program for `program_id() == 0` with `num_programs() == 1`, i.e. one
program that does the whole launch's work; `run(..., lnc=2)` therefore executes that single program.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nki_compiler.ir.access import AccessPattern
from nki_compiler.ir.access import Storage as IrStorage
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.program import Instruction, Loop, Node, Origin, Program, Register
from nki_compiler.source import LineIndex
from nki_sim.errors import SimulationError
from nki_sim.machine import Core, Machine
from nki_sim.semantics import execute
from nki_sim.views import Storage, TensorView, make_view

__all__ = ["run", "Execution", "MAX_WHILE_ITERATIONS"]

#: A `while_loop` that has not stopped after this many iterations is reported instead of hanging.
MAX_WHILE_ITERATIONS = 1_000_000
_REGISTER_OPS = {Opcode.REGISTER_ALLOC, Opcode.REGISTER_MOVE, Opcode.REGISTER_LOAD, Opcode.REGISTER_STORE}


def run(
    program: Program,
    inputs: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    lnc: int = 1,
    seed: int = 0,
    precise: bool | None = None,
) -> Any:
    """Run `program` on `inputs` (by argument name, or positional for the tensor arguments).

    Returns the kernel's outputs as NumPy arrays: None, one array, or a tuple for several.
    """
    if lnc not in (1, 2):
        raise ValueError(f"LNC must be 1 or 2, not {lnc}")
    execution = Execution(program, Machine(program.target, 1, precise, seed))
    written_back = execution.bind_inputs(_by_name(program, inputs))
    execution.run_nodes(program.body)
    for array, storage in written_back:
        array[...] = storage.as_array()
    outputs = tuple(execution.output(value) for value in program.outputs)
    return None if not outputs else outputs[0] if len(outputs) == 1 else outputs


def _by_name(program: Program, inputs: Mapping[str, np.ndarray] | Sequence[np.ndarray]) -> dict[str, Any]:
    if isinstance(inputs, Mapping):
        return dict(inputs)
    names = [name for name, value in program.arguments if isinstance(value, AccessPattern)]
    if len(inputs) != len(names):
        raise ValueError(f"{program.kernel} takes {len(names)} tensor argument(s), got {len(inputs)}")
    return dict(zip(names, inputs, strict=True))


@dataclass
class Execution:
    """The state of one run: the machine, IR storage -> simulator storage, register values."""

    program: Program
    machine: Machine
    storages: dict[int, Storage] = field(default_factory=dict)
    registers: dict[int, int] = field(default_factory=dict)
    _lines: dict[str, LineIndex | None] = field(default_factory=dict)

    @property
    def core(self) -> Core:
        return self.machine.cores[0]

    # -- inputs and outputs -------------------------------------------------------------------------------
    def bind_inputs(self, inputs: dict[str, Any]) -> list[tuple[np.ndarray, Storage]]:
        """Map tensor arguments to HBM inputs; returns the (array, storage) pairs to copy back afterwards."""
        copies: list[tuple[np.ndarray, Storage]] = []
        for name, value in self.program.arguments:
            if not isinstance(value, AccessPattern):
                continue
            if name not in inputs:
                raise ValueError(f"{self.program.kernel}: missing input for tensor argument {name!r}")
            array = np.asarray(inputs[name])
            ir = value.storage
            if tuple(array.shape) != ir.shape:
                raise ValueError(f"{name}: the program expects shape {ir.shape}, got {tuple(array.shape)}")
            storage = self.machine.input(name, array, ir.dtype)
            self.storages[ir.id] = storage
            if not np.shares_memory(storage.data, array) and isinstance(inputs[name], np.ndarray):
                if array.flags.writeable:
                    copies.append((array, storage))
        return copies

    def output(self, value: Any) -> Any:
        if not isinstance(value, AccessPattern):
            return value
        return np.array(self.view(value, "return").array, copy=True)

    # -- program order -----------------------------------------------------------------------------------
    def run_nodes(self, nodes: Sequence[Node]) -> None:
        for node in nodes:
            if isinstance(node, Loop):
                self.run_loop(node)
            else:
                self.run_instruction(node)

    def run_loop(self, loop: Loop) -> None:
        try:
            if loop.opcode is Opcode.FORI_LOOP:
                lower, upper = self.bound(loop.lower), self.bound(loop.upper)
                for value in range(lower, upper, loop.step or 1):
                    self.registers[loop.register.id] = value
                    self.run_nodes(loop.body)
                return
            for _ in range(MAX_WHILE_ITERATIONS):
                if self.register(loop.register, "while_loop") == 0:
                    return
                self.run_nodes(loop.body)
                if loop.next_register is not None:
                    self.registers[loop.register.id] = self.register(loop.next_register, "while_loop")
            raise SimulationError(
                "while_loop", f"still running after {MAX_WHILE_ITERATIONS} iterations", "runtime loop"
            )
        except SimulationError as error:
            if error.location is None:
                error.at(self.location(loop.origin))
            raise

    def run_instruction(self, instruction: Instruction) -> None:
        opcode = instruction.opcode
        try:
            if opcode is Opcode.ALLOC:
                self.storage(instruction.operand("storage"))
            elif opcode in _REGISTER_OPS:
                self.run_register_op(instruction)
            elif opcode is Opcode.DEVICE_PRINT:
                tensor = self.operand(instruction.operand("tensor"), opcode.value)
                values = tensor.array if isinstance(tensor, TensorView) else tensor
                print(instruction.operand("print_prefix", ""), values)
            elif opcode is Opcode.CORE_BARRIER:
                pass  # one program runs the whole launch (see the module docstring)
            else:
                operands = {k: self.operand(v, opcode.value) for k, v in instruction.operands}
                execute(self.core, opcode.value, **operands)
        except SimulationError as error:
            if error.location is None:
                error.at(self.location(instruction.origin))
            raise

    def run_register_op(self, instruction: Instruction) -> None:
        opcode, dst, src = instruction.opcode, instruction.operand("dst"), instruction.operand("src")
        if opcode is Opcode.REGISTER_STORE:
            view = self.view(dst, opcode.value)
            view.array.reshape(-1)[:1] = self.register(src, opcode.value)
            return
        if not isinstance(dst, Register):
            raise SimulationError(opcode.value, "dst must be a register", "§4 register operations")
        if opcode is Opcode.REGISTER_ALLOC:
            value = instruction.operand("x")
            self.registers[dst.id] = int(value) if isinstance(value, (int, np.integer)) else 0
        elif opcode is Opcode.REGISTER_MOVE:
            self.registers[dst.id] = self.scalar(src, 0)
        else:
            view = self.view(src, opcode.value)
            if view.array.size != 1:
                raise SimulationError(opcode.value, "src must hold exactly one element", "§4 register_load")
            self.registers[dst.id] = int(view.array.reshape(-1)[0])

    # -- operands ----------------------------------------------------------------------------------------
    def operand(self, value: Any, opcode: str) -> Any:
        if isinstance(value, AccessPattern):
            return self.view(value, opcode)
        if isinstance(value, Register):
            return self.register(value, opcode)
        if isinstance(value, tuple):
            return tuple(self.operand(item, opcode) for item in value)
        if isinstance(value, list):
            return [self.operand(item, opcode) for item in value]
        return value

    def view(self, pattern: Any, opcode: str) -> TensorView:
        if not isinstance(pattern, AccessPattern):
            raise SimulationError(opcode, f"expected a tensor, got {pattern!r}", "§4 operand kinds")
        if pattern.indirect:
            raise SimulationError(
                opcode,
                "dynamic access patterns (scalar_offset/vector_offset) are not carried by the IR yet",
                "§3.9 dynamic access patterns",
            )
        storage = self.storage(pattern.storage)
        offset, shape, strides = pattern.strided()
        dtype = None if pattern.dtype == pattern.storage.dtype else pattern.dtype
        return make_view(storage, offset, shape, strides, dtype, opcode)

    def storage(self, ir: IrStorage) -> Storage:
        storage = self.storages.get(ir.id)
        if storage is None:
            name = ir.name or f"t{ir.id}"
            if ir.on_chip:
                storage = self.core.allocate(name, ir.shape, ir.dtype, ir.buffer)
            else:
                storage = self.machine.allocate_hbm(name, ir.shape, ir.dtype, ir.buffer)
            self.storages[ir.id] = storage
        return storage

    def register(self, register: Any, opcode: str) -> int:
        if not isinstance(register, Register):
            return self.scalar(register, 0)
        if register.id not in self.registers:
            raise SimulationError(
                opcode, f"register {register.label} is read before it is set", "§4 registers"
            )
        return self.registers[register.id]

    def bound(self, value: Any) -> int:
        if value is None or isinstance(value, bool) or not isinstance(value, (int, np.integer, Register)):
            raise SimulationError("fori_loop", f"loop bound {value!r} is not an integer", "runtime loop")
        return self.scalar(value, 0)

    def scalar(self, value: Any, default: int) -> int:
        if isinstance(value, Register):
            return self.register(value, "register")
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value)
        return default

    # -- source locations --------------------------------------------------------------------------------
    def location(self, origin: Origin) -> str:
        index = self._line_index(origin.path)
        if index is None:
            return origin.path
        return f"{origin.path}:{index.line_of(origin.span.start) + 1}"

    def _line_index(self, path: str) -> LineIndex | None:
        if path not in self._lines:
            try:
                self._lines[path] = LineIndex(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                self._lines[path] = None
        return self._lines[path]
