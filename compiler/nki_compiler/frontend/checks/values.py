"""Rules on values and containers in kernel scope: assignments, comparisons, iteration, dict keys,
number ranges, module state and conditions on tensors (NKI023, NKI025, NKI029, NKI101-103, NKI111,
NKI115, NKI201, NKI211)."""

from __future__ import annotations

import ast
import operator
import struct
from collections.abc import Callable

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.facts import (
    DICT,
    STR,
    TENSOR,
    bindings,
    facts,
    is_builtin,
    is_register,
    module_cached,
    walk_scope,
)
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.walk import child_nodes, walk
from nki_compiler.source import Span

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_FOLD: dict[type, Callable[[int, int], int]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_, ast.BitXor: operator.xor,
}  # fmt: skip
_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "sort", "reverse",
                       "popitem", "add", "discard"})  # fmt: skip


def line_indent(ctx: FunctionContext, node: ast.AST) -> str | None:
    """The indentation of the line `node` starts on, when nothing precedes it on that line."""
    text = ctx.module.source.text
    start = ctx.span(node).start
    line_start = text.rfind("\n", 0, start) + 1
    prefix = text[line_start:start]
    return None if prefix.strip() else prefix


@on(ast.Assign)
def mixed_assignment(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Assign)
    if len(node.targets) < 2:
        return
    names = [t for t in node.targets if isinstance(t, ast.Name)]
    if not names or not any(isinstance(t, (ast.Subscript, ast.Attribute)) for t in node.targets):
        return
    ctx.report("NKI023", node, fixes=_split_fix(ctx, node, names[0]))


def _split_fix(ctx: FunctionContext, node: ast.Assign, name: ast.Name) -> tuple[Fix, ...]:
    indent = line_indent(ctx, node)
    if indent is None or not all(
        isinstance(t, (ast.Name, ast.Subscript, ast.Attribute)) for t in node.targets
    ):
        return ()
    others = [t for t in node.targets if t is not name]
    lines = [f"{name.id} = {ctx.text(node.value)}"] + [f"{ctx.text(t)} = {name.id}" for t in others]
    mentions = any(isinstance(n, ast.Name) and n.id == name.id for t in others for n in walk(t))
    safe = node.targets[0] is name and not mentions
    title = "Split into separate assignments" + ("" if safe else " (check the order of the targets)")
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    return (Fix(title, (Edit(ctx.span(node), f"\n{indent}".join(lines)),), applicability),)


@on(ast.Compare)
def chained_in(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Compare)
    if len(node.ops) < 2 or not any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
        return
    operands = [node.left, *node.comparators]
    parts = []
    for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
        parts.append(f"({ctx.text(left)} {_OP_TEXT[type(op)]} {ctx.text(right)})")
    joined = " and ".join(parts)
    parent = ctx.parent(node)
    if not isinstance(
        parent, (ast.Assign, ast.AnnAssign, ast.If, ast.While, ast.Assert, ast.Return, ast.keyword)
    ):
        joined = f"({joined})"
    simple = all(isinstance(o, (ast.Name, ast.Constant, ast.Attribute)) for o in operands[1:-1])
    title = "Split into `and`-joined comparisons" + (
        "" if simple else " (the middle operands are evaluated twice)"
    )
    fix = Fix(title, (Edit(ctx.span(node), joined),), Applicability.SAFE if simple else Applicability.UNSAFE)
    ctx.report("NKI025", node, fixes=(fix,))


_OP_TEXT: dict[type, str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}  # fmt: skip


@on(ast.For)
def iteration_source(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.For)
    source = node.iter
    kind = _container_kind(ctx, source)
    if kind == DICT:
        fixes: tuple[Fix, ...] = ()
        if isinstance(source, (ast.Name, ast.Attribute, ast.Dict)):
            new = f"{ctx.text(source)}.keys()"
            fixes = (Fix("Iterate over `.keys()`", (Edit(ctx.span(source), new),)),)
        ctx.report("NKI029", source, fixes=fixes)
    elif kind in (STR, TENSOR) or is_register(kind):
        ctx.report("NKI029", source)


def _container_kind(ctx: FunctionContext, node: ast.expr) -> str | None:
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return DICT
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return STR
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and is_builtin(ctx, node.func, "dict", ctx.function.node):
            return DICT
        return None
    if isinstance(node, ast.Name):
        return facts(ctx).kind(node)
    return None


@on(ast.Dict)
def dict_literal_keys(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Dict)
    for key in node.keys:
        if key is not None and _non_str_constant(key):
            ctx.report("NKI101", key, fixes=_quote_fix(ctx, key))


@on(ast.Assign)
def dict_item_keys(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Assign)
    for target in node.targets:
        if isinstance(target, ast.Subscript) and _non_str_constant(target.slice):
            if isinstance(target.value, ast.Name) and facts(ctx).kind(target.value) == DICT:
                ctx.report("NKI101", target.slice, fixes=_quote_fix(ctx, target.slice))


def _non_str_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return isinstance(node, ast.Constant) and not isinstance(node.value, str) and node.value is not Ellipsis


def _quote_fix(ctx: FunctionContext, key: ast.expr) -> tuple[Fix, ...]:
    if isinstance(key, ast.Constant) and isinstance(key.value, int) and not isinstance(key.value, bool):
        new = f'"{key.value}"'
        return (Fix(f"Use the string key {new} (update the lookups too)", (Edit(ctx.span(key), new),),
                    Applicability.UNSAFE),)  # fmt: skip
    return ()


@on(ast.Constant, ast.BinOp, ast.UnaryOp)
def integer_range(ctx: FunctionContext, node: ast.AST) -> None:
    if isinstance(ctx.parent(node), (ast.BinOp, ast.UnaryOp)) and _fold(ctx.parent(node)) is not None:  # type: ignore[arg-type]
        return  # reported once, at the outermost constant expression
    value = _fold(node)  # type: ignore[arg-type]
    if isinstance(value, int) and not INT32_MIN <= value <= INT32_MAX:
        ctx.report("NKI102", node, v=value)


def _fold(node: ast.expr, depth: int = 0) -> int | None:
    """Value of an integer constant expression (literals, unary minus, small arithmetic), else None."""
    if depth > 20:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, int) and not isinstance(node.value, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
        operand = _fold(node.operand, depth + 1)
        if operand is None:
            return None
        return (
            -operand
            if isinstance(node.op, ast.USub)
            else ~operand
            if isinstance(node.op, ast.Invert)
            else operand
        )
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        left, right = _fold(node.left, depth + 1), _fold(node.right, depth + 1)
        if left is None or right is None:
            return None
        if isinstance(node.op, (ast.Pow, ast.LShift)) and not 0 <= right <= 256:
            return None
        if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
            return None
        return _FOLD[type(node.op)](left, right)
    return None


@on(ast.Constant)
def float_range(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Constant)
    value = node.value
    if not isinstance(value, float) or value == 0 or value != value or value in (float("inf"), float("-inf")):
        return
    try:
        stored = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        stored = None
    if stored is None or stored == 0 or stored in (float("inf"), float("-inf")):
        ctx.report("NKI103", node, v=ctx.text(node))


@on(ast.Name)
def mutable_module_state(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Name)
    if not isinstance(node.ctx, ast.Load) or node.id not in _mutated_globals(ctx.module):
        return
    if any(node.id in bindings(f).names for f in facts(ctx).enclosing_functions(node)):
        return
    ctx.report("NKI111", node, name=node.id)


def _mutated_globals(module: ModuleInfo) -> frozenset[str]:
    return module_cached(module, "mutated_globals", _find_mutated_globals)


def _find_mutated_globals(module: ModuleInfo) -> frozenset[str]:
    """Module-level list/dict/set variables that some code in the module mutates or rebinds globally."""
    candidates = {
        name
        for name, value in module.assignments.items()
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp))
        or (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in ("list", "dict", "set")
        )
    }
    if not candidates or module.tree is None:
        return frozenset()
    mutated: set[str] = set()
    for node in module.nodes:
        target = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MUTATORS
        ):
            target = node.func.value
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            for t in node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]:
                if isinstance(t, ast.Subscript):
                    target = t.value
        elif isinstance(node, ast.Global):
            mutated |= candidates & set(node.names)
        if isinstance(target, ast.Name) and target.id in candidates:
            mutated.add(target.id)
    return frozenset(mutated)


@on(ast.Compare)
def in_dict(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Compare)
    if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.In, ast.NotIn)):
        return
    container = node.comparators[0]
    if _container_kind(ctx, container) != DICT:
        return
    fixes: tuple[Fix, ...] = ()
    if isinstance(container, (ast.Name, ast.Attribute, ast.Dict)):
        fixes = (
            Fix(
                "Test membership in `.keys()`", (Edit(ctx.span(container), f"{ctx.text(container)}.keys()"),)
            ),
        )
    ctx.report("NKI115", node, fixes=fixes)


@on(ast.If, ast.While, ast.Assert, ast.IfExp, ast.BoolOp, ast.UnaryOp, ast.Call)
def tensor_condition(ctx: FunctionContext, node: ast.AST) -> None:
    for construct, tested in _tested_values(ctx, node):
        if _is_tensor_value(ctx, tested):
            template = rule("NKI201").template
            message = template.replace("<if/while/assert/and/or/not/bool()>", construct)
            ctx.report("NKI201", tested, message=message)


def _tested_values(ctx: FunctionContext, node: ast.AST) -> list[tuple[str, ast.expr]]:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        return [({ast.If: "`if`", ast.While: "`while`", ast.IfExp: "`if`"}[type(node)], node.test)]
    if isinstance(node, ast.Assert):
        return [("`assert`", node.test)]
    if isinstance(node, ast.BoolOp):
        return [(f"`{'and' if isinstance(node.op, ast.And) else 'or'}`", v) for v in node.values]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [("`not`", node.operand)]
    if (
        isinstance(node, ast.Call)
        and len(node.args) == 1
        and is_builtin(ctx, node.func, "bool", ctx.function.node)
    ):
        return [("`bool()`", node.args[0])]
    return []


def _is_tensor_value(ctx: FunctionContext, node: ast.expr) -> bool:
    """A known tensor, an element view of one, or a comparison with one (which yields a tensor)."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return facts(ctx).kind(node) == TENSOR
    if isinstance(node, ast.Compare):
        if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
            return False
        operands = [node.left, *node.comparators]
        if any(isinstance(o, ast.Constant) and o.value is None for o in operands):
            return False
        return any(_is_tensor_value(ctx, o) for o in operands if not isinstance(o, ast.Compare))
    return False


@on(ast.While)
def endless_while(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.While)
    test = node.test
    if not isinstance(test, ast.Constant) or not test.value or node.orelse:
        return
    if _can_leave(node.body):
        return
    text = ctx.module.source.text
    start = ctx.span(node).start
    end = text.find("\n", start)
    ctx.report("NKI211", Span(start, end if end >= 0 else len(text)), cond=ctx.text(test))


def _can_leave(body: list[ast.stmt]) -> bool:
    """A `break` of this loop or a `return` somewhere in the body (nested loops' breaks excluded)."""
    for statement in body:
        for node in [statement, *walk_scope(statement)]:
            if isinstance(node, ast.Return):
                return True
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(
            node,
            (
                ast.For,
                ast.While,
                ast.AsyncFor,
                ast.FunctionDef,
                ast.AsyncFunctionDef,
                ast.Lambda,
                ast.ClassDef,
            ),
        ):
            stack.extend(getattr(node, "orelse", []))
            continue
        stack.extend(child_nodes(node))
    return False
