"""Executing a specialized NKI IR program on the simulator: `run(program, inputs) -> outputs`.

The program runs in program order on one `Machine`: kernel arguments become HBM inputs (an argument the
kernel writes is updated in the caller's array), every other storage is allocated on first use, each
access pattern becomes a bounds-checked view (dynamic offsets are resolved when the instruction runs, see
`nki_sim.dynamic`), registers are substituted by their current values and each instruction goes through
the `SEMANTICS` dispatch table. Runtime loops set their induction register and re-run their body. A
`SimulationError` gets the kernel source line of the failing instruction. An instruction whose operands are
the same at every execution (no register, no dynamic offset) is checked once per program (`nki_sim.plan`):
its later executions, in this run and the next, only look up the run's views and call the checked work.
An on-chip tensor is dropped after the top-level node that uses it last (`plan.releases`), so its memory
serves the allocations that follow instead of fresh pages.

LNC2: `run((program0, program1), inputs, lnc=2)` runs one program per core (each specialized for its own
`nl.program_id(0)`), in two threads over one machine: kernel arguments and `shared_hbm` allocations are
shared (the n-th `shared_hbm` allocation of one program is the n-th of the other), SBUF/PSUM/private HBM
are per core; `sendrecv` and `core_barrier` meet in `nki_sim.lnc.Rendezvous`. Given a single program with
`lnc=2`, both cores run it. The outputs are core 0's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nki_compiler.backend import BackendResult
from nki_compiler.ir.access import AccessPattern, TensorIndirection
from nki_compiler.ir.access import Storage as IrStorage
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.program import Instruction, Loop, Node, Origin, Program, Register
from nki_compiler.source import LineIndex
from nki_sim.allocated import AllocatedMemory
from nki_sim.blas import single_threaded_blas
from nki_sim.dynamic import GatheredView, SkipInstruction, gathered_view, indirected_view, shifted_view
from nki_sim.errors import SimulationError
from nki_sim.lnc import Rendezvous, run_cores
from nki_sim.machine import Core, Machine
from nki_sim.plan import InstructionSpec, PatternSpec, releases, spec_of, specs_of
from nki_sim.semantics import execute
from nki_sim.semantics.common import name_of
from nki_sim.semantics.registry import bind
from nki_sim.views import Storage, TensorView, accepted_view, make_view

__all__ = ["run", "Execution", "MAX_WHILE_ITERATIONS"]

#: A `while_loop` that has not stopped after this many iterations is reported instead of hanging.
MAX_WHILE_ITERATIONS = 1_000_000
_REGISTER_OPS = {Opcode.REGISTER_ALLOC, Opcode.REGISTER_MOVE, Opcode.REGISTER_LOAD, Opcode.REGISTER_STORE}
_WRITTEN = ("dst", "val_dst", "idx_dst", "reduce_res", "dst_scale", "dst_idx")


def run(
    program: Program | Sequence[Program],
    inputs: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    lnc: int = 1,
    seed: int = 0,
    precise: bool | None = None,
    allocation: BackendResult | Sequence[BackendResult] | None = None,
) -> Any:
    """Run `program` (or one program per core for LNC2) on `inputs` (by argument name, or positional for
    the tensor arguments).

    Returns the kernel's outputs as NumPy arrays: None, one array, or a tuple for several. With
    `allocation` (the back end's result, one per program for LNC2), SBUF/PSUM tensors live at their
    allocated addresses in one shared array per core (`nki_sim.allocated`).
    """
    if lnc not in (1, 2):
        raise ValueError(f"LNC must be 1 or 2, not {lnc}")
    programs = [program] * lnc if isinstance(program, Program) else list(program)
    if len(programs) != lnc:
        raise ValueError(f"LNC{lnc} needs {lnc} program(s), got {len(programs)}")
    first = programs[0]
    memories = _memories(allocation, len(programs))
    if memories and precise is False:
        raise ValueError("simulating on allocated addresses needs precise storage (precise=True)")
    machine = Machine(first.target, lnc, True if memories else precise, seed)
    rendezvous = Rendezvous(lnc)
    shared: dict[Any, Storage] = {}
    executions = [
        Execution(p, machine, index=i, rendezvous=rendezvous, shared=shared) for i, p in enumerate(programs)
    ]
    written_back = executions[0].bind_inputs(_by_name(first, inputs))
    for other in executions[1:]:
        other.share_inputs(executions[0])
    for execution, memory in zip(executions, memories, strict=False):
        execution.memory = memory
    with single_threaded_blas():  # here too: OpenBLAS takes the setting from the main thread only
        run_cores([functools.partial(e.run_nodes, e.program.body) for e in executions], rendezvous)
    for array, storage in written_back:
        array[...] = storage.as_array()
    outputs = tuple(executions[0].output(value) for value in first.outputs)
    return None if not outputs else outputs[0] if len(outputs) == 1 else outputs


def _memories(allocation: Any, count: int) -> list[AllocatedMemory]:
    if allocation is None:
        return []
    results = [allocation] * count if isinstance(allocation, BackendResult) else list(allocation)
    if len(results) != count:
        raise ValueError(f"{count} program(s) need {count} allocation(s), got {len(results)}")
    return [AllocatedMemory(result) for result in results]


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
    index: int = 0  # the core (= program id) this program runs on
    rendezvous: Rendezvous | None = None
    shared: dict[Any, Storage] = field(default_factory=dict)  # shared_hbm allocations of all cores
    storages: dict[int, Storage] = field(default_factory=dict)
    registers: dict[int, int] = field(default_factory=dict)
    _lines: dict[str, LineIndex | None] = field(default_factory=dict)
    _shared_keys: dict[int, Any] = field(default_factory=dict)
    memory: AllocatedMemory | None = None  # on-chip tensors at allocated addresses (`run(allocation=)`)
    #: This run's view of each static access pattern (`nki_sim.plan`).
    _pattern_views: dict[PatternSpec, TensorView] = field(default_factory=dict)
    _views_of: dict[int, list[PatternSpec]] = field(default_factory=dict)  # IR storage id -> its patterns
    _handed: list[Storage] = field(default_factory=list)  # storages returned without a copy

    def __post_init__(self) -> None:
        outputs = [s for s in self.program.storages if s.buffer == "shared_hbm" and s.kind != "arg"]
        self._shared_keys = {s.id: (n, s.shape, s.dtype) for n, s in enumerate(outputs)}
        self._config = (self.machine.precise, self.machine.generation)
        self._specs = specs_of(self.program)
        self._core = self.machine.cores[self.index]

    @property
    def core(self) -> Core:
        return self._core

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

    def share_inputs(self, other: Execution) -> None:
        """Bind the tensor arguments to the storages `other` made for them (HBM is shared)."""
        by_name = {
            name: value.storage.id
            for name, value in other.program.arguments
            if isinstance(value, AccessPattern)
        }
        for name, value in self.program.arguments:
            if isinstance(value, AccessPattern) and name in by_name:
                self.storages[value.storage.id] = other.storages[by_name[name]]

    def output(self, value: Any) -> Any:
        """A returned tensor as a new array: a kernel's own allocation returned whole is handed over (once)
        instead of copied, the run being over; anything else is copied."""
        if not isinstance(value, AccessPattern):
            return value
        view = self.view(value, "return")
        if value.storage.kind == "arg" or view.storage in self._handed or not _whole(view):
            return np.array(view.array, copy=True)
        self._handed.append(view.storage)
        return view.storage.as_array()

    # -- program order -----------------------------------------------------------------------------------
    def run_nodes(self, nodes: Sequence[Node]) -> None:
        """Run `nodes` in program order with floating-point errors ignored throughout: the engines saturate
        or make inf/NaN, nothing traps (NumPy's error state is per thread, so this is per core), and BLAS in
        one thread (`nki_sim.blas`: the simulated matmuls are too small to share)."""
        with np.errstate(all="ignore"), single_threaded_blas():
            if nodes is self.program.body and self.memory is None:
                self._run_body(nodes)
            else:
                self._run_nodes(nodes)

    def _run_body(self, nodes: Sequence[Node]) -> None:
        """The program's top level, dropping each on-chip tensor after its last use (`plan.releases`)."""
        last_uses = releases(self.program)
        for index, node in enumerate(nodes):
            if isinstance(node, Loop):
                self.run_loop(node)
            else:
                self.run_instruction(node)
            done = last_uses.get(index)
            if done is not None:
                self.release(done)

    def release(self, storage_ids: Sequence[int]) -> None:
        """Forget on-chip tensors no later instruction uses, with this run's views of them."""
        for storage_id in storage_ids:
            storage = self.storages.pop(storage_id, None)
            if storage is not None:
                self._core.free(storage)
            for pattern in self._views_of.pop(storage_id, ()):
                self._pattern_views.pop(pattern, None)

    def _run_nodes(self, nodes: Sequence[Node]) -> None:
        for node in nodes:
            if isinstance(node, Loop):
                self.run_loop(node)
            elif self.memory is not None:
                self.memory.execute(self, node)
            else:
                self.run_instruction(node)

    def run_loop(self, loop: Loop) -> None:
        try:
            if loop.opcode is Opcode.FORI_LOOP:
                lower, upper = self.bound(loop.lower), self.bound(loop.upper)
                for value in range(lower, upper, loop.step or 1):
                    self.registers[loop.register.id] = value
                    self._run_nodes(loop.body)
                return
            for _ in range(MAX_WHILE_ITERATIONS):
                if self.register(loop.register, "while_loop") == 0:
                    return
                self._run_nodes(loop.body)
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
        spec = self._specs.get(id(instruction))
        try:
            if spec is not None and spec.instruction is instruction and spec.static:
                self.run_static(spec)
            elif opcode is Opcode.ALLOC:
                self.storage(instruction.operand("storage"))
            elif opcode in _REGISTER_OPS:
                self.run_register_op(instruction)
            elif opcode is Opcode.DEVICE_PRINT:
                tensor = self.operand(instruction.operand("tensor"), opcode.value)
                values = tensor.array if isinstance(tensor, TensorView) else tensor
                print(instruction.operand("print_prefix", ""), values)
            elif opcode in (Opcode.CORE_BARRIER, Opcode.SENDRECV):
                self.run_lnc_op(instruction)
            else:
                self.run_compute(instruction)
        except SimulationError as error:
            if error.location is None:
                error.at(self.location(instruction.origin))
            raise

    def run_compute(self, instruction: Instruction) -> None:
        spec = spec_of(self.program, instruction)
        if spec.static:
            self.run_static(spec)
            return
        opcode = instruction.opcode.value
        skip = name_of(instruction.operand("oob_mode")) == "skip"
        try:
            operands = {k: self.operand(v, opcode, skip) for k, v in instruction.operands}
        except SkipInstruction:
            return
        gathered = [(k, v) for k, v in operands.items() if isinstance(v, GatheredView)]
        restore = self._skipped_rows(operands, gathered)
        execute(self.core, opcode, **operands)
        if restore is not None:
            dst, saved, keep = restore
            dst.array[keep] = saved[keep]
        for key, view in gathered:
            if key in _WRITTEN:
                view.scatter()

    def run_static(self, spec: InstructionSpec) -> None:
        """Run an instruction whose operands are the same at every execution (`nki_sim.plan`)."""
        views, tensors = self._pattern_views, {}
        for key, pattern in spec.patterns:
            view = views.get(pattern)
            if view is None:
                view = views[pattern] = self.static_view(pattern, spec.opcode)
                self._views_of.setdefault(pattern.storage.id, []).append(pattern)
            tensors[key] = view
        core = self._core
        work = spec.works.get(self._config)
        if work is None:
            work = spec.works[self._config] = bind(core, spec.opcode, dict(spec.constants) | tensors)
        work(core, tensors)
        core.executed += 1

    @staticmethod
    def _skipped_rows(
        operands: dict[str, Any], gathered: list[tuple[str, GatheredView]]
    ) -> tuple[TensorView, np.ndarray, np.ndarray] | None:
        """With `oob_mode=skip`, rows of a gathered source that were skipped leave `dst` unchanged."""
        dst = operands.get("dst")
        for key, view in gathered:
            if key in _WRITTEN or view.valid.all() or not isinstance(dst, TensorView):
                continue
            if dst.shape and dst.shape[0] == view.valid.size:
                return dst, dst.array.copy(), ~view.valid
        return None

    def run_lnc_op(self, instruction: Instruction) -> None:
        opcode = instruction.opcode.value
        operands = {k: self.operand(v, opcode) for k, v in instruction.operands}
        require_lnc2 = self.rendezvous is None or self.rendezvous.cores != 2
        if require_lnc2 or self.machine.generation < 3:
            raise SimulationError(opcode, f"{opcode} needs an LNC2 launch (kernel[2]) on trn2 or newer",
                                  "§4.1 LNC2 only")  # fmt: skip
        assert self.rendezvous is not None
        if instruction.opcode is Opcode.CORE_BARRIER:
            self.rendezvous.barrier(self.index, opcode, operands)
        else:
            self.rendezvous.sendrecv(self.index, **operands)

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
    def operand(self, value: Any, opcode: str, skip: bool = False) -> Any:
        if isinstance(value, AccessPattern):
            return self.view(value, opcode, skip)
        if isinstance(value, Register):
            return self.register(value, opcode)
        if isinstance(value, tuple):
            return tuple(self.operand(item, opcode, skip) for item in value)
        if isinstance(value, list):
            return [self.operand(item, opcode, skip) for item in value]
        return value

    def view(self, pattern: Any, opcode: str, skip: bool = False) -> TensorView:
        if not isinstance(pattern, AccessPattern):
            raise SimulationError(opcode, f"expected a tensor, got {pattern!r}", "§4 operand kinds")
        storage = self.storage(pattern.storage)
        offset, shape, strides = pattern.strided()
        dtype = None if pattern.dtype == pattern.storage.dtype else pattern.dtype
        dynamic = pattern.dynamic
        if dynamic is None:
            if pattern.indirect:
                raise SimulationError(
                    opcode,
                    "this indirect access pattern (`.indirect`) is not simulated",
                    "§3.10 tensor indirection",
                )
            return make_view(storage, offset, shape, strides, dtype, opcode)
        if isinstance(dynamic, TensorIndirection):
            index = self.view(dynamic.value, opcode).array
            return indirected_view(storage, offset, shape, strides, dtype, index, dynamic.num_elem, dynamic.group,
                                   opcode)  # fmt: skip
        if dynamic.kind == "scalar":
            shift = self.index_value(dynamic.value, opcode) * dynamic.unit
            return shifted_view(storage, offset, shape, strides, dtype, shift, skip, opcode)
        rows = self.index_rows(dynamic.value, opcode)
        return gathered_view(storage, offset, shape, strides, dtype, rows, dynamic.unit, skip, opcode)

    def static_view(self, pattern: PatternSpec, opcode: str) -> TensorView:
        storage = self.storage(pattern.storage)
        precise = self.machine.precise
        if precise in pattern.accepted:  # the storages of one allocation all have its shape and dtype
            return accepted_view(storage, pattern.offset, pattern.shape, pattern.strides, pattern.dtype)
        view = make_view(storage, pattern.offset, pattern.shape, pattern.strides, pattern.dtype, opcode)
        pattern.accepted.add(precise)
        return view

    def index_value(self, value: Any, opcode: str) -> int:
        """A scalar offset: a register, an int or a one-element on-chip tensor."""
        if not isinstance(value, AccessPattern):
            return self.register(value, opcode)
        array = self.view(value, opcode).array
        if array.size != 1:
            raise SimulationError(
                opcode, f"scalar_offset has {array.size} elements, not 1", "§3.9 scalar_offset (1,1)"
            )
        return _as_index(array.reshape(-1)[0], opcode)

    def index_rows(self, value: Any, opcode: str) -> np.ndarray:
        if not isinstance(value, AccessPattern):
            raise SimulationError(opcode, "vector_offset must be an SBUF tensor", "§3.9 vector_offset (P, 1)")
        array = self.view(value, opcode).array
        if array.ndim and array.shape[0] and array.size != array.shape[0]:
            raise SimulationError(opcode, f"vector_offset {list(array.shape)} has more than one index per partition",
                                  "§3.9 vector_offset (P, 1)")  # fmt: skip
        return np.array([_as_index(v, opcode) for v in array.reshape(-1)], dtype=np.int64)

    def storage(self, ir: IrStorage) -> Storage:
        storage = self.storages.get(ir.id)
        if storage is None:
            name = ir.name or f"t{ir.id}"
            key = self._shared_keys.get(ir.id)
            if key is not None and key in self.shared:
                storage = self.shared[key]
            elif ir.on_chip:
                storage = self.core.allocate(name, ir.shape, ir.dtype, ir.buffer)
            else:
                storage = self.machine.allocate_hbm(name, ir.shape, ir.dtype, ir.buffer)
                if key is not None:
                    storage = self.shared.setdefault(key, storage)  # atomic: both cores may get here
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


def _whole(view: TensorView) -> bool:
    """Whether `view` is its storage as allocated: same elements, order and dtype."""
    storage = view.storage
    return (
        view.offset == 0
        and view.shape == storage.shape
        and view.dtype == storage.dtype
        and view.strides == storage.default_strides()
    )


def _as_index(value: Any, opcode: str) -> int:
    number = float(value)
    if not np.isfinite(number) or number != int(number):
        raise SimulationError(opcode, f"dynamic index {value!r} is not an integer", "§3.9 dynamic offsets")
    return int(number)
