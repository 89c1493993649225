"""NKI0xx rules on expressions: lambdas, comprehensions, generators, walrus, sets, expansions, `@`."""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.source import Span


@on(ast.Lambda)
def lambda_expression(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI010", node)


@on(ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
def comprehension(ctx: FunctionContext, node: ast.AST) -> None:
    fixes = _loop_fix(ctx, node) if isinstance(node, ast.ListComp) else ()
    ctx.report("NKI011", node, fixes=fixes)


def _loop_fix(ctx: FunctionContext, node: ast.ListComp) -> tuple[Fix, ...]:
    """`x = [e for v in it if c]` → `x = []` + `for v in it:` + `if c:` + `x.append(e)`, when the loop
    variable is used nowhere else in the function (a `for` loop leaks it) and `x` is not read inside."""
    from nki_compiler.frontend.checks.migration_common import alone_on_lines, indent_unit, indentation

    statement = ctx.parent(node)
    if (
        not isinstance(statement, ast.Assign)
        or statement.value is not node
        or len(statement.targets) != 1
        or not isinstance(statement.targets[0], ast.Name)
        or len(node.generators) != 1
        or node.generators[0].is_async
        or len(node.generators[0].ifs) > 1
        or not alone_on_lines(ctx, statement)
    ):
        return ()
    loop = node.generators[0]
    target, variables = (
        statement.targets[0].id,
        {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)},
    )
    inside = {id(n) for n in ast.walk(node)}
    names = [n for n in ast.walk(ctx.function.node) if isinstance(n, ast.Name)]
    if any(n.id in variables and id(n) not in inside for n in names) or any(
        n.id == target for n in ast.walk(node) if isinstance(n, ast.Name)
    ):
        return ()
    indent, step = indentation(ctx, statement), indent_unit(ctx)
    lines = [f"{target} = []", f"{indent}for {ctx.text(loop.target)} in {ctx.text(loop.iter)}:"]
    body = indent + step
    if loop.ifs:
        lines.append(f"{body}if {ctx.text(loop.ifs[0])}:")
        body += step
    lines.append(f"{body}{target}.append({ctx.text(node.elt)})")
    return (
        Fix("Build the list with a `for` loop and `append`", (Edit(ctx.span(statement), "\n".join(lines)),)),
    )


@on(ast.Yield, ast.YieldFrom)
def generator(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI012", node)


@on(ast.NamedExpr)
def walrus(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI013", node)


@on(ast.Set)
def set_literal(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Set)
    fixes: tuple[Fix, ...] = ()
    parent = ctx.parent(node)
    if _only_iterated_or_tested(parent, node):
        items = ", ".join(ctx.text(e) for e in node.elts)
        new = f"({items},)" if len(node.elts) == 1 else f"({items})"
        fixes = (Fix("Use a tuple", (Edit(ctx.span(node), new),)),)
    ctx.report("NKI014", node, fixes=fixes)


def _only_iterated_or_tested(parent: ast.AST | None, node: ast.AST) -> bool:
    if isinstance(parent, ast.Compare):
        return all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops) and node in parent.comparators
    return isinstance(parent, ast.For) and parent.iter is node


@on(ast.Call)
def set_constructor(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if (
        isinstance(node.func, ast.Name)
        and node.func.id in ("set", "frozenset")
        and node.func.id not in _bound(ctx)
    ):
        ctx.report("NKI014", node)


@on(ast.Starred)
def star_expansion(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Starred)
    fixes: tuple[Fix, ...] = ()
    parent = ctx.parent(node)
    if isinstance(parent, ast.Call) and isinstance(node.value, (ast.Tuple, ast.List)):
        inner = ", ".join(ctx.text(e) for e in node.value.elts)
        fixes = (Fix("Expand the literal arguments", (Edit(ctx.span(node), inner),)),)
    ctx.report("NKI015", node, fixes=fixes)


@on(ast.keyword)
def keyword_expansion(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.keyword)
    if node.arg is not None:
        return
    fixes: tuple[Fix, ...] = ()
    value = node.value
    if isinstance(value, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value.isidentifier()
        for k in value.keys
    ):
        parts = [f"{k.value}={ctx.text(v)}" for k, v in zip(value.keys, value.values, strict=True)]  # type: ignore[union-attr]
        fixes = (Fix("Pass the keywords explicitly", (Edit(ctx.span(node), ", ".join(parts)),)),)
    ctx.report("NKI016", node, fixes=fixes)


@on(ast.JoinedStr)
def fstring_format_spec(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.JoinedStr)
    for value in node.values:
        if isinstance(value, ast.FormattedValue) and value.format_spec is not None:
            span = ctx.span(value.format_spec)
            fixes: tuple[Fix, ...] = ()
            text = ctx.module.source.text
            # On 3.12+ the spec node spans exactly `spec`; drop it together with the ':' before it.
            if span.end > span.start and span.start > 0 and text[span.start - 1] == ":":
                fixes = (Fix("Drop the format specifier", (Edit(Span(span.start - 1, span.end), ""),)),)
            where = span if span.end > span.start else node
            ctx.report("NKI019", where, fixes=fixes)


@on(ast.BinOp)
def matmul_operator(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.BinOp)
    if isinstance(node.op, ast.MatMult):
        ctx.report("NKI020", node)


@on(ast.AugAssign)
def matmul_augassign(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.AugAssign)
    if isinstance(node.op, ast.MatMult):
        ctx.report("NKI020", node)


def _bound(ctx: FunctionContext) -> set[str]:
    from nki_compiler.frontend.scope import local_names

    cache = ctx.__dict__.setdefault("_bound_cache", {})
    key = id(ctx.function.node)
    if key not in cache:
        cache[key] = local_names(ctx.function.node)
    return cache[key]
