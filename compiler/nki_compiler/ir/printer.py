"""Deterministic text form of an IR program (`nki-ls --ir`, golden tests).

kernel add_kernel(a_ptr: private_hbm float32[128,512] %a_ptr, ...) target=trn2
  %t2 = alloc sbuf float32[128,512]
  dma_copy dst=%t2 src=%a_ptr                         # line 8
  fori_loop $r0 in 0..8 step 1 {
    ...
  }
  return %out
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from nki_compiler.ir.access import AccessPattern, Storage
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.program import Instruction, Loop, Node, Program, Register
from nki_compiler.source import LineIndex


def format_value(value: Any) -> str:
    if isinstance(value, AccessPattern):
        return value.text()
    if isinstance(value, Register):
        return value.label
    if isinstance(value, Storage):
        return value.label
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    qualname = getattr(value, "__nki_qualname__", None)
    if isinstance(qualname, str):
        return qualname.replace("nki.language.", "nl.").replace("nki.isa.", "nisa.")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and type(value) is not str:  # dtype strings
        return str(value)
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _storage_decl(storage: Storage) -> str:
    shape = ",".join(str(d) for d in storage.shape)
    address = f" address={storage.address}" if storage.address is not None else ""
    return f"{storage.buffer} {storage.dtype}[{shape}]{address}"


class _Printer:
    def __init__(self, program: Program, index: LineIndex | None) -> None:
        self.program = program
        self.index = index
        self.lines: list[str] = []
        self.producers = {producer for _, producer in program.depends_on}
        self.after: dict[int, list[int]] = {}
        for consumer, producer in program.depends_on:
            self.after.setdefault(consumer, []).append(producer)

    def where(self, node: Node) -> str:
        if self.index is None:
            return ""
        line = self.index.position(node.origin.span.start).line + 1
        via = "".join(
            f" <- {name}:{self.index.position(span.start).line + 1}"
            for name, path, span in reversed(node.origin.chain)
            if path == self.program.path
        )
        return f"  # line {line}{via}"

    def instruction(self, node: Instruction, depth: int) -> None:
        pad = "  " * depth
        if node.opcode is Opcode.ALLOC:
            storage = node.operand("storage")
            self.lines.append(f"{pad}{storage.label} = alloc {_storage_decl(storage)}{self.where(node)}")
            return
        operands = " ".join(f"{key}={format_value(value)}" for key, value in node.operands)
        line = f"{pad}{node.opcode.value} {operands}".rstrip() + self.scheduling(node)
        self.lines.append(line + self.where(node))

    def scheduling(self, node: Instruction) -> str:
        """`{name='mm', id=i3, no_reorder=0, depends_on=(i1,)}`: only what the instruction carries."""
        items = [f"name={node.name!r}"] if node.name else []
        if node.id in self.producers:
            items.append(f"id=i{node.id}")
        if node.no_reorder is not None:
            items.append(f"no_reorder={node.no_reorder}")
        after = self.after.get(node.id)
        if after:
            items.append("depends_on=" + format_value(tuple(f"i{p}" for p in after)).replace("'", ""))
        return "  {" + ", ".join(items) + "}" if items else ""

    def loop(self, node: Loop, depth: int) -> None:
        pad = "  " * depth
        if node.opcode is Opcode.FORI_LOOP:
            head = (
                f"fori_loop {node.register.label} in {format_value(node.lower)}..{format_value(node.upper)}"
                f" step {node.step}"
            )
        else:
            head = f"while_loop {node.register.label} != 0"
        self.lines.append(f"{pad}{head} {{{self.where(node)}")
        self.body(node.body, depth + 1)
        if node.next_register is not None:
            self.lines.append(f"{pad}  next {node.next_register.label}")
        self.lines.append(f"{pad}}}")

    def body(self, nodes: Any, depth: int) -> None:
        for node in nodes:
            if isinstance(node, Loop):
                self.loop(node, depth)
            else:
                self.instruction(node, depth)

    def run(self) -> str:
        program = self.program
        params = []
        for name, value in program.arguments:
            if isinstance(value, AccessPattern):
                params.append(f"{name}: {_storage_decl(value.storage)}")
            else:
                params.append(f"{name}={format_value(value)}")
        self.lines.append(f"kernel {program.kernel}({', '.join(params)}) target={program.target}")
        self.body(program.body, 1)
        for consumer, producers in program.schedule:
            self.lines.append(f"  schedule {consumer!r} after " + ", ".join(repr(p) for p in producers))
        if program.outputs:
            self.lines.append("  return " + ", ".join(format_value(v) for v in program.outputs))
        for text in program.prints:
            self.lines.append(f"# print: {text}")
        return "\n".join(self.lines) + "\n"


def print_program(program: Program, source_text: str | None = None) -> str:
    """The program as text; with `source_text`, each line ends with the kernel source line it came from."""
    index = LineIndex(source_text) if source_text is not None else None
    return _Printer(program, index).run()


def program_title(program: Program) -> str:
    return f"{Path(program.path).name}::{program.kernel}"
