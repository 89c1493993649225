"""Rules on runtime loops and registers (nki-language-rules.md §2.3): `nl.fori_loop`/`nl.while_loop`
bodies, `for i in nl.dynamic_range(...)` and `while reg:` (NKI203-NKI210, NKI213, NKI214).

Register-ness is syntactic: the index of a `dynamic_range` loop, the parameter of a runtime-loop body
function and results of `nisa.register_alloc` (see `facts.py`); everything else is left alone.
"""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.facts import (
    DICT,
    DYNAMIC_RANGE,
    FORI_LOOP,
    INDUCTION,
    LIST,
    NO_REORDER,
    TENSOR,
    TENSOR_MAKERS,
    WHILE_LOOP,
    argument,
    bindings,
    call_name,
    facts,
    is_builtin,
    is_register,
    loop_body_argument,
    runtime_bodies,
    walk_scope,
)
from nki_compiler.frontend.checks.functions import header_span
from nki_compiler.frontend.walk import walk

_REGISTER_WRITERS = frozenset({"nki.isa.register_move", "nki.isa.register_load"})


def runtime_loop_kind(ctx: FunctionContext, node: ast.AST) -> str | None:
    """`fori_loop`/`while_loop` for those calls, `dynamic_range`/`while reg` for those statements."""
    if isinstance(node, ast.Call) and call_name(ctx.module, node) in (FORI_LOOP, WHILE_LOOP):
        return call_name(ctx.module, node)
    if isinstance(node, ast.For) and call_name(ctx.module, node.iter) == DYNAMIC_RANGE:
        return DYNAMIC_RANGE
    if isinstance(node, ast.While) and is_register(facts(ctx).kind(node.test)):
        return "while reg"
    return None


def _runtime_body_kind(ctx: FunctionContext, node: ast.AST) -> str | None:
    """The runtime loop whose body `node` is lexically in (innermost), if any."""
    child = node
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return runtime_bodies(ctx.module).get(id(ancestor))
        if isinstance(ancestor, (ast.For, ast.While)) and child in ancestor.body:
            kind = runtime_loop_kind(ctx, ancestor)
            if kind is not None:
                return kind
        child = ancestor
    return None


@on(ast.Name)
def register_arithmetic(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Name)
    if not isinstance(node.ctx, ast.Load) or not is_register(facts(ctx).kind(node)):
        return
    parent = ctx.parent(node)
    misuse = isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Slice))
    misuse |= isinstance(parent, ast.Subscript) and parent.slice is node
    misuse |= isinstance(parent, ast.Tuple) and isinstance(ctx.parent(parent), ast.Subscript)
    if isinstance(parent, ast.Call) and node in parent.args and isinstance(parent.func, ast.Name):
        misuse |= parent.func.id in ("int", "range", "float") and is_builtin(ctx, parent.func, parent.func.id)
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not) and _is_if_test(ctx, parent):
        misuse = False  # `if not reg:` is NKI213
    if misuse:
        ctx.report("NKI203", node, name=node.id)


def _is_if_test(ctx: FunctionContext, node: ast.AST) -> bool:
    parent = ctx.parent(node)
    return isinstance(parent, (ast.If, ast.IfExp)) and parent.test is node


@on(ast.Call)
def induction_write(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if call_name(ctx.module, node) not in _REGISTER_WRITERS:
        return
    dst = argument(node, 0, "dst")
    if isinstance(dst, ast.Name) and facts(ctx).kind(dst) == INDUCTION:
        ctx.report("NKI204", node)


@on(ast.Assign, ast.AugAssign, ast.AnnAssign)
def induction_rebinding(ctx: FunctionContext, node: ast.AST) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    for target in targets:
        if isinstance(target, ast.Name) and _is_induction_name(ctx, target):
            ctx.report("NKI204", target)


def _is_induction_name(ctx: FunctionContext, target: ast.Name) -> bool:
    """`target` rebinds a dynamic_range index inside that loop, or a fori_loop body's parameter."""
    for ancestor in ctx.ancestors(target):
        if isinstance(ancestor, ast.For) and call_name(ctx.module, ancestor.iter) == DYNAMIC_RANGE:
            if isinstance(ancestor.target, ast.Name) and ancestor.target.id == target.id:
                return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = [*ancestor.args.posonlyargs, *ancestor.args.args]
            is_body = runtime_bodies(ctx.module).get(id(ancestor)) == FORI_LOOP
            return is_body and bool(params) and params[0].arg == target.id
    return False


@on(ast.Call)
def loop_step(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = call_name(ctx.module, node)
    if name == FORI_LOOP:
        step = argument(node, 3, "step")
    elif name == DYNAMIC_RANGE:
        step = argument(node, 2, "step")
    else:
        return
    if step is None:
        return
    value: object = None
    if isinstance(step, ast.Constant):
        value = step.value
    elif (
        isinstance(step, ast.UnaryOp)
        and isinstance(step.op, ast.USub)
        and isinstance(step.operand, ast.Constant)
    ):
        value = -step.operand.value if isinstance(step.operand.value, (int, float)) else None
    bad_constant = isinstance(step, (ast.Constant, ast.UnaryOp)) and (
        not isinstance(value, int) or isinstance(value, bool) or value <= 0
    )
    if bad_constant or is_register(facts(ctx).kind(step)):
        ctx.report("NKI205", step)


@on(ast.Call, ast.For, ast.While)
def loop_in_no_reorder(ctx: FunctionContext, node: ast.AST) -> None:
    if runtime_loop_kind(ctx, node) is None:
        return
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        if isinstance(ancestor, ast.With) and any(
            call_name(ctx.module, item.context_expr) == NO_REORDER for item in ancestor.items
        ):
            where = header_span(ctx, node) if isinstance(node, (ast.For, ast.While)) else node
            ctx.report("NKI206", where)
            return


@on(ast.Break, ast.Continue, ast.Return)
def leaving_runtime_body(ctx: FunctionContext, node: ast.AST) -> None:
    kind = _runtime_body_kind(ctx, node)
    if kind is None:
        return
    keyword = (
        "break" if isinstance(node, ast.Break) else "continue" if isinstance(node, ast.Continue) else "return"
    )
    if kind == WHILE_LOOP:
        return
    if kind == FORI_LOOP:
        assert isinstance(node, ast.Return | ast.Break | ast.Continue)
        if not isinstance(node, ast.Return) or node.value is None:
            return  # a bare `return` ends the body function; break/continue belong to an inner loop
        fix = Fix("Drop the returned value", (Edit(ctx.span(node), "return"),))
        ctx.report("NKI207", node, break_continue_return=keyword, fixes=(fix,))
        return
    if isinstance(node, (ast.Break, ast.Continue)) and _inside_static_loop(ctx, node):
        return
    ctx.report("NKI207", node, break_continue_return=keyword)


def _inside_static_loop(ctx: FunctionContext, node: ast.AST) -> bool:
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.For, ast.While)):
            return runtime_loop_kind(ctx, ancestor) is None
    return False


@on(ast.FunctionDef)
def while_body_returns(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.FunctionDef)
    if runtime_bodies(ctx.module).get(id(node)) != WHILE_LOOP:
        return
    params = [*node.args.posonlyargs, *node.args.args]
    returns = [n for n in walk_scope(node) if isinstance(n, ast.Return)]
    for statement in returns:
        if statement.value is not None and _not_a_register(ctx, statement.value):
            ctx.report("NKI208", statement)
    if _always_returns(node.body):
        return
    fixes: tuple[Fix, ...] = ()
    if not returns and params and node.body:
        last = node.body[-1]
        text = ctx.module.source.text
        first = ctx.span(node.body[0]).start
        indent = text[text.rfind("\n", 0, first) + 1 : first]
        end = ctx.span(last).end
        if not indent.strip():
            fixes = (
                Fix(
                    f"Return `{params[0].arg}`",
                    (Edit(ctx.span_at(end), f"\n{indent}return {params[0].arg}"),),
                ),
            )
    ctx.report("NKI208", header_span(ctx, node), fixes=fixes)


def _not_a_register(ctx: FunctionContext, value: ast.expr) -> bool:
    if isinstance(value, (ast.Constant, ast.Dict, ast.List, ast.Tuple, ast.JoinedStr)):
        return True
    return isinstance(value, ast.Name) and facts(ctx).kind(value) in (TENSOR, DICT, LIST)


def _always_returns(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return):
        return last.value is not None
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, (ast.Raise, ast.Assert)) and (not isinstance(last, ast.Assert) or _false(last.test)):
        return True
    return False


def _false(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and not test.value


@on(ast.Name)
def tensor_after_loop(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Name)
    if not isinstance(node.ctx, ast.Load):
        return
    function = facts(ctx).enclosing_functions(node)[0]
    if (
        node.id in bindings(function).names
        or node.id in ctx.module.assignments
        or node.id in ctx.module.definitions
    ):
        return
    position = ctx.span(node).start
    for loop_end, body in _runtime_body_defs(ctx, function):
        if position < loop_end:
            continue
        values = bindings(body).names.get(node.id, [])
        if values and all(
            isinstance(v, ast.Call) and call_name(ctx.module, v) in TENSOR_MAKERS for v in values
        ):
            ctx.report("NKI209", node, t=node.id)
            return


def _runtime_body_defs(ctx: FunctionContext, function: ast.AST) -> list[tuple[int, ast.FunctionDef]]:
    """(end offset of the loop call, body def) for each runtime loop over a nested def of `function`."""
    cache = ctx.__dict__.setdefault("_runtime_body_defs", {})
    cached = cache.get(id(function))
    if cached is None:
        cached = cache[id(function)] = _find_runtime_body_defs(ctx, function)
    return cached


def _find_runtime_body_defs(ctx: FunctionContext, function: ast.AST) -> list[tuple[int, ast.FunctionDef]]:
    nested = {n.name: n for n in walk_scope(function) if isinstance(n, ast.FunctionDef)}
    found = []
    for node in walk_scope(function):
        loop = loop_body_argument(ctx.module, node)
        if loop is not None and isinstance(loop[1], ast.Name) and loop[1].id in nested:
            found.append((ctx.span(node).end, nested[loop[1].id]))
    return found


@on(ast.AugAssign, ast.Assign, ast.Call)
def python_state_in_runtime_body(ctx: FunctionContext, node: ast.AST) -> None:
    if _runtime_body_kind(ctx, node) is None:
        return
    outer = _outer_target(ctx, node)
    if outer is not None:
        ctx.report("NKI210", node)


def _outer_target(ctx: FunctionContext, node: ast.AST) -> ast.Name | None:
    """The outer Python variable that `node` changes (augmented assignment, list/dict mutation)."""
    target: ast.expr | None = None
    if isinstance(node, ast.AugAssign):
        target = node.target
    elif isinstance(node, ast.Assign):
        subscripts = [t for t in node.targets if isinstance(t, ast.Subscript)]
        target = subscripts[0].value if subscripts else None
        if target is not None and facts(ctx).kind(target) != DICT:
            return None
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in ("append", "extend", "insert", "pop", "remove", "update", "setdefault", "clear"):
            target = node.func.value
            if facts(ctx).kind(target) not in (LIST, DICT):
                return None
    if isinstance(target, ast.Subscript):
        target = target.value if facts(ctx).kind(target.value) == DICT else None
    if not isinstance(target, ast.Name):
        return None
    return target if _bound_outside_body(ctx, node, target) else None


def _bound_outside_body(ctx: FunctionContext, node: ast.AST, name: ast.Name) -> bool:
    """`name` lives outside the innermost runtime body around `node` (a closure or pre-loop variable)."""
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            values = bindings(ancestor).names.get(name.id)
            if values is None:
                return True
            params = {
                a.arg for a in [*ancestor.args.posonlyargs, *ancestor.args.args, *ancestor.args.kwonlyargs]
            }
            return (
                isinstance(node, ast.AugAssign) and name.id not in params and all(v is None for v in values)
            )
        if isinstance(ancestor, (ast.For, ast.While)) and runtime_loop_kind(ctx, ancestor) is not None:
            stored = (n for s in ancestor.body for n in walk(s) if isinstance(n, ast.Name))
            inside = {n.id for n in stored if isinstance(n.ctx, ast.Store)}
            return _bound_before(ctx, ancestor, name.id) or name.id not in inside
    return False


def _bound_before(ctx: FunctionContext, loop: ast.AST, name: str) -> bool:
    function = facts(ctx).enclosing_functions(loop)[0]
    start = ctx.span(loop).start
    for node in walk_scope(function):
        if (
            isinstance(node, ast.Name)
            and node.id == name
            and isinstance(node.ctx, ast.Store)
            and ctx.span(node).start < start
        ):
            return True
    return name in {a.arg for a in function.args.args}


@on(ast.If, ast.IfExp)
def if_on_register(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, (ast.If, ast.IfExp))
    test = node.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, ast.Name) and is_register(facts(ctx).kind(test)):
        ctx.report("NKI213", node.test)


@on(ast.Call, ast.For, ast.While)
def loop_under_program_id(ctx: FunctionContext, node: ast.AST) -> None:
    if runtime_loop_kind(ctx, node) is None:
        return
    for ancestor in ctx.ancestors(node):
        if isinstance(ancestor, (ast.If, ast.While)) and _depends_on_program_id(ctx, ancestor.test):
            where = header_span(ctx, node) if isinstance(node, (ast.For, ast.While)) else node
            ctx.report("NKI214", where)
            return


def _depends_on_program_id(ctx: FunctionContext, test: ast.expr) -> bool:
    for node in walk(test):
        if call_name(ctx.module, node) == "nki.language.program_id":
            return True
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            function = facts(ctx).enclosing_functions(node)[0]
            values = bindings(function).names.get(node.id, [])
            if values and any(
                isinstance(v, ast.AST)
                and any(call_name(ctx.module, n) == "nki.language.program_id" for n in walk(v))
                for v in values
            ):
                return True
    return False
