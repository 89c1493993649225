"""Python syntax applied to tensors (nki-language-rules.md §3.4): NKI315 (a tensor or register inside
`[]`), NKI316 (`t[...] = ...`) and NKI317 (Python operators on tensors), with exact fixes.

These need value facts (is this name a tensor?), so they run while specializing; a value that is not
known to be a tensor never produces a diagnostic.
"""

from __future__ import annotations

import ast
from typing import Any

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.specializer.interpreter import Frame, Interpreter
from nki_compiler.specializer.tensors import Tensor
from nki_compiler.specializer.values import RegisterValue

#: Python operator -> (symbol, `nl` function); `None` when no `nl` call means exactly the same thing.
BINARY_FUNCTIONS: dict[type, tuple[str, str | None]] = {
    ast.Add: ("+", "add"), ast.Sub: ("-", "subtract"), ast.Mult: ("*", "multiply"), ast.Div: ("/", None),
    ast.FloorDiv: ("//", None), ast.Mod: ("%", None), ast.Pow: ("**", "power"), ast.BitAnd: ("&", "bitwise_and"),
    ast.BitOr: ("|", "bitwise_or"), ast.BitXor: ("^", "bitwise_xor"), ast.LShift: ("<<", "left_shift"),
    ast.RShift: (">>", "right_shift"), ast.MatMult: ("@", None),
}  # fmt: skip
COMPARE_FUNCTIONS: dict[type, tuple[str, str]] = {
    ast.Eq: ("==", "equal"), ast.NotEq: ("!=", "not_equal"), ast.Lt: ("<", "less"),
    ast.LtE: ("<=", "less_equal"), ast.Gt: (">", "greater"), ast.GtE: (">=", "greater_equal"),
}  # fmt: skip
UNARY_FUNCTIONS: dict[type, tuple[str, str | None]] = {
    ast.USub: ("-", "negative"),
    ast.UAdd: ("+", None),
    ast.Invert: ("~", None),
}


def module_alias(module: ModuleInfo, qualified: str) -> str | None:
    """The local name this module imports `qualified` under (`nl` for `nki.language`), if any."""
    for local in sorted(module.imports):
        if module.canonical(ast.Name(local, ast.Load())) == qualified:
            return local
    return None


def _text(frame: Frame, node: ast.AST) -> str | None:
    span = frame.module.source.index.span_of_ast(node)
    return None if span is None else frame.module.source.text[span.start : span.end]


def _replace(interp: Interpreter, frame: Frame, node: ast.AST, title: str, new_text: str) -> tuple[Fix, ...]:
    return (Fix(title, (Edit(interp.span(frame, node), new_text),)),)


# -- NKI317 ----------------------------------------------------------------------------------------------
def binary_on_tensor(interp: Interpreter, frame: Frame, node: ast.BinOp, right_value: Any) -> None:
    symbol, function = BINARY_FUNCTIONS.get(type(node.op), ("?", None))
    fixes: tuple[Fix, ...] = ()
    nl = module_alias(frame.module, "nki.language")
    left, right = _text(frame, node.left), _text(frame, node.right)
    exponent_is_tile = function != "power" or isinstance(right_value, Tensor)
    if function and nl and left is not None and right is not None and exponent_is_tile:
        call = f"{nl}.{function}({left}, {right})"
        fixes = _replace(interp, frame, node, f"Use `{nl}.{function}`", call)
    interp.report("NKI317", frame, node, fixes=fixes, op=symbol)


def unary_on_tensor(interp: Interpreter, frame: Frame, node: ast.UnaryOp) -> None:
    symbol, function = UNARY_FUNCTIONS.get(type(node.op), ("not", None))
    fixes: tuple[Fix, ...] = ()
    nl = module_alias(frame.module, "nki.language")
    operand = _text(frame, node.operand)
    if function and nl and operand is not None:
        fixes = _replace(interp, frame, node, f"Use `{nl}.{function}`", f"{nl}.{function}({operand})")
    interp.report("NKI317", frame, node, fixes=fixes, op=symbol)


def compare_on_tensor(interp: Interpreter, frame: Frame, node: ast.Compare, op: ast.cmpop) -> None:
    symbol, function = COMPARE_FUNCTIONS[type(op)]
    fixes: tuple[Fix, ...] = ()
    nl = module_alias(frame.module, "nki.language")
    left, right = _text(frame, node.left), _text(frame, node.comparators[0])
    if nl and len(node.ops) == 1 and left is not None and right is not None:
        call = f"{nl}.{function}({left}, {right})"
        fixes = _replace(interp, frame, node, f"Use `{nl}.{function}`", call)
    interp.report("NKI317", frame, node, fixes=fixes, op=symbol)


def is_tensor_comparison(op: ast.cmpop) -> bool:
    return type(op) in COMPARE_FUNCTIONS


def augmented_on_tensor(
    interp: Interpreter, frame: Frame, stmt: ast.AugAssign, current: Any, value: Any
) -> None:
    symbol, function = BINARY_FUNCTIONS.get(type(stmt.op), ("?", None))
    fixes: tuple[Fix, ...] = ()
    nl = module_alias(frame.module, "nki.language")
    nisa = module_alias(frame.module, "nki.isa")
    target, operand = _text(frame, stmt.target), _text(frame, stmt.value)
    exact = function not in (None, "power") and isinstance(current, Tensor) and isinstance(value, Tensor)
    exact = exact and current.shape == value.shape
    if exact and nl and nisa and target is not None and operand is not None and _single_line(stmt):
        call = f"{nisa}.tensor_tensor(dst={target}, data1={target}, data2={operand}, op={nl}.{function})"
        fixes = _replace(interp, frame, stmt, f"Use `{nisa}.tensor_tensor`", call)
    interp.report("NKI317", frame, stmt, fixes=fixes, op=f"{symbol}=")


def _single_line(node: ast.AST) -> bool:
    return getattr(node, "lineno", 0) == getattr(node, "end_lineno", -1)


# -- NKI315 ----------------------------------------------------------------------------------------------
def dynamic_subscript(
    interp: Interpreter, frame: Frame, node: ast.Subscript, tensor: Tensor, key: Any
) -> None:
    fixes: tuple[Fix, ...] = ()
    base, index = _text(frame, node.value), _text(frame, node.slice)
    scalar = isinstance(key, RegisterValue) or (isinstance(key, Tensor) and key.size == 1)
    if scalar and not tensor.on_chip and base is not None and index is not None:
        fixes = _replace(interp, frame, node, "Use `.select(0, …)`", f"{base}.select(0, {index})")
    interp.report("NKI315", frame, node, fixes=fixes)


# -- NKI316 ----------------------------------------------------------------------------------------------
def store_into_tensor(interp: Interpreter, frame: Frame, target: ast.Subscript) -> None:
    statement = frame.module.parents.get(id(target))
    fixes: tuple[Fix, ...] = ()
    if isinstance(statement, ast.Assign) and statement.targets == [target] and _single_line(statement):
        fixes = _store_fixes(interp, frame, statement, target)
    interp.report("NKI316", frame, target, fixes=fixes)


def _store_fixes(
    interp: Interpreter, frame: Frame, statement: ast.Assign, target: ast.Subscript
) -> tuple[Fix, ...]:
    module, value = frame.module, statement.value
    nisa = module_alias(module, "nki.isa")
    destination = _text(frame, target)
    if nisa is None or destination is None:
        return ()
    if isinstance(value, ast.Constant) and type(value.value) in (int, float):
        call = f"{nisa}.memset(dst={destination}, value={_text(frame, value)})"
        return _replace(interp, frame, statement, f"Use `{nisa}.memset`", call)
    if not isinstance(value, ast.Call) or any(k.arg is None for k in value.keywords):
        return ()
    name = module.canonical(value.func) or ""
    if name == "nki.language.load" and _only_argument(value, "src") is not None:
        source = _text(frame, _only_argument(value, "src"))  # type: ignore[arg-type]
        call = f"{nisa}.dma_copy(dst={destination}, src={source})"
        return _replace(interp, frame, statement, f"Use `{nisa}.dma_copy`", call)
    if name.startswith("nki.isa.") and all(k.arg != "dst" for k in value.keywords):
        function = _text(frame, value.func)
        arguments = [_text(frame, a) for a in [*value.args, *value.keywords]]
        if function is None or any(a is None for a in arguments):
            return ()
        call = f"{function}({', '.join([destination, *arguments])})"  # type: ignore[list-item]
        return _replace(interp, frame, statement, "Pass the destination as `dst`", call)
    return ()


def _only_argument(call: ast.Call, keyword: str) -> ast.expr | None:
    if len(call.args) == 1 and not call.keywords:
        return call.args[0]
    if not call.args and len(call.keywords) == 1 and call.keywords[0].arg == keyword:
        return call.keywords[0].value
    return None
