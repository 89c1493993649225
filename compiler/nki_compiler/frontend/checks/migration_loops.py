"""NKI5xx loop migrations: deprecated range aliases and runtime loops written as Python loops.

NKI501 (`for i in nl.dynamic_range` → `nl.fori_loop`), NKI502 (`while reg:` → `nl.while_loop`),
NKI503–NKI505 (`nl.affine_range`/`sequential_range`/`static_range` → `range`).
"""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.migration_common import (
    alone_on_lines,
    argument,
    assigned_names,
    called,
    indentation,
    legacy,
    line_start,
    module_alias,
    names_read_after,
)
from nki_compiler.frontend.walk import walk, walk_cached
from nki_compiler.source import Span

RANGE_ALIASES = {
    "nki.language.affine_range": "NKI503",
    "nki.language.sequential_range": "NKI504",
    "nki.language.static_range": "NKI505",
}
REGISTER_SOURCES = frozenset({"nki.isa.register_alloc"})


@legacy(ast.Call)
def range_alias(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    code = RANGE_ALIASES.get(called(ctx, node) or "")
    if code is None:
        return
    ctx.report(code, node.func, fixes=_range_fix(ctx, node))


def _range_fix(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return ()
    bounds = [argument(call, i, name) for i, name in enumerate(("start", "stop", "step"))]
    start, stop, step = bounds
    if start is None:
        return ()
    parts = [start] if stop is None or _is_none(stop) else [start, stop]
    if step is not None and not (isinstance(step, ast.Constant) and step.value == 1):
        if len(parts) == 1:
            parts = [ast.Constant(0), start]
        parts.append(step)
    texts = [ctx.text(p) if hasattr(p, "lineno") else "0" for p in parts]
    return (Fix("Use `range`", (Edit(ctx.span(call), f"range({', '.join(texts)})"),)),)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# ---- runtime loops -------------------------------------------------------------------------------


@on(ast.For)
def dynamic_range_loop(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.For)
    if called(ctx, node.iter) != "nki.language.dynamic_range":
        return
    header = Span(ctx.span(node).start, ctx.span(node.iter).end)
    ctx.report("NKI501", header, fixes=_fori_fix(ctx, node))


def _fori_fix(ctx: FunctionContext, loop: ast.For) -> tuple[Fix, ...]:
    call = loop.iter
    assert isinstance(call, ast.Call)
    nl = module_alias(ctx, "nki.language")
    if nl is None or not isinstance(loop.target, ast.Name) or not _movable_body(ctx, loop):
        return ()
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return ()
    start, stop, step = (argument(call, i, n) for i, n in enumerate(("start", "stop", "step")))
    if start is None:
        return ()
    lower, upper = (
        ("0", ctx.text(start)) if stop is None or _is_none(stop) else (ctx.text(start), ctx.text(stop))
    )
    step_text = f", step={ctx.text(step)}" if step is not None else ""
    name, definition = _body_function(ctx, loop, loop.target.id, "")
    indent = indentation(ctx, loop)
    new = f"{definition}\n{indent}{nl}.fori_loop({lower}, {upper}, {name}{step_text})"
    return (
        Fix(
            "Rewrite as `nl.fori_loop` with a nested body function", (Edit(_statement_span(ctx, loop), new),)
        ),
    )


def _register_names(ctx: FunctionContext) -> set[str]:
    names: set[str] = set()
    for node in walk_cached(ctx.function.node):
        if isinstance(node, ast.Assign) and called(ctx, node.value) in REGISTER_SOURCES:
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


@on(ast.While)
def register_while_loop(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.While)
    if not isinstance(node.test, ast.Name) or node.test.id not in _register_names(ctx):
        return
    fixes: tuple[Fix, ...] = ()
    nl = module_alias(ctx, "nki.language")
    if nl is not None and _movable_body(ctx, node):
        reg = node.test.id
        name, definition = _body_function(ctx, node, reg, f"return {reg}")
        new = f"{definition}\n{indentation(ctx, node)}{nl}.while_loop({reg}, {name})"
        fixes = (
            Fix(
                "Rewrite as `nl.while_loop` with a nested body function",
                (Edit(_statement_span(ctx, node), new),),
            ),
        )
    ctx.report("NKI502", Span(ctx.span(node).start, ctx.span(node.test).end), fixes=fixes)


def _movable_body(ctx: FunctionContext, loop: ast.For | ast.While) -> bool:
    """The body can become a nested function: no jumps out, no `else`, no value escapes the loop."""
    if loop.orelse or not alone_on_lines(ctx, loop):
        return False
    for stmt in loop.body:
        for node in walk(stmt):
            if isinstance(node, (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.Global, ast.Nonlocal)):
                return False
    target = {loop.target.id} if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) else set()
    escaping = (assigned_names(loop.body) - target) & names_read_after(ctx, loop)
    return not escaping


def _body_function(ctx: FunctionContext, loop: ast.For | ast.While, param: str, tail: str) -> tuple[str, str]:
    """`def _body_<param>(<param>):` over the loop's own body lines (already at the right indentation)."""
    taken = {n.id for n in walk_cached(ctx.function.node) if isinstance(n, ast.Name)}
    taken |= {
        n.name
        for n in walk_cached(ctx.function.node)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    name, suffix = f"_body_{param}", 1
    while name in taken:
        name, suffix = f"_body_{param}_{suffix}", suffix + 1
    text = ctx.module.source.text
    first, last = loop.body[0], loop.body[-1]
    end = text.find("\n", ctx.span(last).end)
    block = text[line_start(text, ctx.span(first).start) : len(text) if end < 0 else end]
    if tail:
        block += "\n" + indentation(ctx, first) + tail
    return name, f"def {name}({param}):\n{block}"


def _statement_span(ctx: FunctionContext, loop: ast.stmt) -> Span:
    text = ctx.module.source.text
    span = ctx.span(loop)
    end = text.find("\n", span.end)
    return Span(span.start, len(text) if end < 0 else end)
