"""NKI IR: storages, access patterns, instructions, runtime loops, verifier and text printer."""

from nki_compiler.ir.access import AccessPattern, Storage, contiguous_strides, dtype_bytes
from nki_compiler.ir.opcodes import Opcode
from nki_compiler.ir.printer import format_value, print_program
from nki_compiler.ir.program import Instruction, Loop, Node, Origin, Program, Register, verify

__all__ = [
    "AccessPattern", "Instruction", "Loop", "Node", "Opcode", "Origin", "Program", "Register", "Storage",
    "contiguous_strides", "dtype_bytes", "format_value", "print_program", "verify",
]  # fmt: skip
