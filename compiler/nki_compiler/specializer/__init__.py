"""The specializer: runs a kernel's meta-program with known argument facts and emits the NKI IR.

    result = specialize(workspace, module, "add_kernel", facts={"a": TensorFact("float32", (128, 512))})
    result.program            # ir.Program (None when the kernel is missing or an assert failed)
    result.diagnostics        # NKI2xx/3xx/4xx found while specializing
    result.tensor_facts_by_span[span]  # facts of the tensor bound at that span, one per distinct iteration
    result.scalar_facts_by_path[path][span].values  # compile-time values bound there (first few distinct)

Never imports or executes user code: see `specializer.interpreter`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.gc_pause import cyclic_gc_paused
from nki_compiler.ir.program import Program
from nki_compiler.source import Span
from nki_compiler.specializer.emit import BudgetExceeded, Budgets, Builder, ScalarValues, TensorFact
from nki_compiler.specializer.facts import TensorFact as ArgumentFact
from nki_compiler.specializer.facts import gather_facts, parse_args_text
from nki_compiler.specializer.host_objects import rebuild
from nki_compiler.specializer.interpreter import Abort, Frame, Interpreter, _Return
from nki_compiler.specializer.schedule_pairs import read_schedule
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import UNKNOWN

TARGETS = ("trn1", "trn2", "trn3")


@dataclass
class SpecializeResult:
    program: Program | None
    diagnostics: list[Diagnostic]
    tensor_facts_by_span: dict[Span, list[TensorFact]] = field(default_factory=dict)
    facts_by_path: dict[str, dict[Span, list[TensorFact]]] = field(default_factory=dict)
    complete: bool = False  # every fact was known: the program can be simulated
    arguments: dict[str, Any] = field(default_factory=dict)
    scalar_facts_by_path: dict[str, dict[Span, ScalarValues]] = field(default_factory=dict)


def find_kernel(module: ModuleInfo, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    definition = module.definitions.get(name)
    return definition if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def specialize(
    workspace: Workspace,
    module: ModuleInfo,
    kernel_name: str,
    facts: dict[str, Any] | None = None,
    target: str = "trn2",
    budgets: Budgets | None = None,
    program_id: int = 0,
    num_programs: int = 1,
) -> SpecializeResult:
    """Specialize `kernel_name` for `facts`; LNC2 launches specialize once per `program_id` in
    `range(num_programs)` (`nl.program_id(0)` / `nl.num_programs()` are then compile-time values)."""
    node = find_kernel(module, kernel_name)
    if node is None or module.tree is None:
        return SpecializeResult(None, [])
    arguments = gather_facts(module, node, facts)
    program = Program(kernel_name, target, module.path)
    builder = Builder(program, budgets or Budgets())
    interp = Interpreter(workspace, builder, target, program_id=program_id, num_programs=num_programs)
    frame = Frame(module, {}, kernel_name)
    _bind_arguments(interp, frame, node, arguments)
    failed = False
    try:
        with cyclic_gc_paused():
            interp.run_block(frame, node.body)
    except _Return as result:
        program.outputs = _outputs(result.value)
    except Abort:
        failed = True
    except BudgetExceeded as exceeded:
        failed = True
        _report_budget(interp, module, node, exceeded)
    except RecursionError:
        failed = True
        _report_budget(interp, module, node, BudgetExceeded("the Python stack ran out while inlining calls"))
    if not failed:
        read_schedule(interp, module, kernel_name, program, builder.complete)
    facts_by_path = builder.facts
    return SpecializeResult(
        None if failed else program,
        sorted(interp.diagnostics, key=lambda d: d.sort_key),
        facts_by_path.get(module.path, {}),
        facts_by_path,
        builder.complete and not failed,
        arguments,
        builder.scalars,
    )


def _bind_arguments(
    interp: Interpreter, frame: Frame, node: ast.FunctionDef | ast.AsyncFunctionDef, arguments: dict[str, Any]
) -> None:
    builder = interp.builder
    params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    defaults = dict(
        zip(
            [p.arg for p in [*node.args.posonlyargs, *node.args.args]][-len(node.args.defaults) :]
            if node.args.defaults
            else [],
            node.args.defaults,
            strict=False,
        )
    )
    defaults.update(
        {p.arg: d for p, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=False) if d is not None}
    )
    bound: list[tuple[str, Any]] = []
    # nki-api.md §2.2 item 1: array arguments are `nl.hbm` tensors, shared by both cores under LNC2.
    buffer = "shared_hbm" if interp.num_programs > 1 else "private_hbm"
    for param in params:
        value: Any = UNKNOWN
        if param.arg in arguments:
            value = rebuild(interp, arguments[param.arg])
            if isinstance(value, ArgumentFact):
                storage = builder.storage(value.shape, value.dtype, buffer, param.arg, kind="arg")
                builder.written.add(storage.id)
                value = Tensor.whole(storage)
        elif param.arg in defaults:
            value = interp.eval(Frame(frame.module, {}, frame.function), defaults[param.arg])
        if value is UNKNOWN:
            builder.complete = False
        frame.locals[param.arg] = value
        builder.record(frame.module.path, interp.span(frame, param), value)
        bound.append((param.arg, value.pattern() if isinstance(value, Tensor) else value))
    builder.program.arguments = tuple(bound)


def _outputs(value: Any) -> tuple[Any, ...]:
    values = value if isinstance(value, tuple) else () if value is None else (value,)
    return tuple(v.pattern() if isinstance(v, Tensor) else v for v in values)


def _report_budget(interp: Interpreter, module: ModuleInfo, node: ast.AST, exceeded: BudgetExceeded) -> None:
    r = rule("NKI219")
    where_module, where_node = exceeded.where or (module, node)
    span = _header_span(where_module, where_node)
    severity = r.severity
    assert severity is not None
    interp.diagnostics.append(
        Diagnostic("NKI219", severity, r.format(detail=exceeded.detail), where_module.path, span)
    )


def _header_span(module: ModuleInfo, node: ast.AST) -> Span:
    """The first line of a statement (a loop's header, not its body)."""
    span = module.source.index.span_of_ast(node) or Span(0, 0)
    text = module.source.text[span.start : span.end]
    newline = text.find("\n")
    return Span(span.start, span.start + newline) if newline >= 0 else span


__all__ = [
    "ArgumentFact",
    "Budgets",
    "ScalarValues",
    "SpecializeResult",
    "TensorFact",
    "parse_args_text",
    "specialize",
]
