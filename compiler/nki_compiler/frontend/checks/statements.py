"""NKI0xx rules on statements: Python statements that NKI kernels cannot contain."""

from __future__ import annotations

import ast
import sys

from nki_compiler.diagnostics.model import Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.fixes import delete_statement, replace_node

_TRY_TYPES: tuple[type, ...] = (ast.Try,) + ((ast.TryStar,) if sys.version_info >= (3, 11) else ())  # type: ignore[attr-defined]


@on(ast.Import, ast.ImportFrom)
def import_in_kernel(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI001", _keyword_span(ctx, node), fixes=_move_import_fix(ctx, node))


def _move_import_fix(ctx: FunctionContext, node: ast.AST) -> tuple[Fix, ...]:
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    tree = ctx.module.tree
    if tree is None or ctx.parent(node) is None:
        return ()
    statement = ctx.text(node)
    existing = {ast.unparse(s) for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))}
    edits = [delete_statement(ctx, node)]
    if ast.unparse(node) not in existing:
        anchor = _import_insertion_offset(ctx, tree)
        edits.insert(0, Edit(ctx.span_at(anchor), statement + "\n"))
    return (Fix("Move the import to module level", tuple(edits)),)


def _import_insertion_offset(ctx: FunctionContext, tree: ast.Module) -> int:
    imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    if imports:
        last = ctx.span(imports[-1]).end
        text = ctx.module.source.text
        newline = text.find("\n", last)
        return len(text) if newline < 0 else newline + 1
    return 0


@on(*_TRY_TYPES)
def try_statement(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI002", _keyword_span(ctx, node))


@on(ast.Raise)
def raise_statement(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Raise)
    ctx.report("NKI003", node, fixes=_raise_fix(ctx, node))


def _raise_fix(ctx: FunctionContext, node: ast.Raise) -> tuple[Fix, ...]:
    exc = node.exc
    message: str | None = None
    if isinstance(exc, ast.Call) and len(exc.args) == 1 and not exc.keywords:
        message = ctx.text(exc.args[0])
    elif exc is not None and not isinstance(exc, ast.Call):
        message = repr(ctx.text(exc))
    if message is None:
        return ()
    parent = ctx.parent(node)
    if (
        isinstance(parent, ast.If)
        and parent.body == [node]
        and not parent.orelse
        and _is_plain_if(ctx, parent)
    ):
        condition = ctx.text(parent.test)
        new = f"assert not ({condition}), {message}"
        return (Fix("Replace `if ...: raise` with `assert`", (replace_node(ctx, parent, new),)),)
    return (
        Fix("Replace `raise` with `assert False`", (replace_node(ctx, node, f"assert False, {message}"),)),
    )


def _is_plain_if(ctx: FunctionContext, node: ast.If) -> bool:
    """An `if` (not an `elif` branch), whose replacement text keeps its own indentation."""
    parent = ctx.parent(node)
    return not (isinstance(parent, ast.If) and parent.orelse == [node])


@on(ast.Global, ast.Nonlocal)
def global_statement(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI004", node)


@on(ast.Delete)
def del_statement(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Delete)
    fixes: tuple[Fix, ...] = ()
    if all(isinstance(t, ast.Name) for t in node.targets):
        fixes = (Fix("Remove the `del` statement", (delete_statement(ctx, node),)),)
    ctx.report("NKI005", node, fixes=fixes)


@on(ast.Match)
def match_statement(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI006", _keyword_span(ctx, node))


@on(ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith, ast.Await)
def async_construct(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI007", _keyword_span(ctx, node))


@on(ast.ClassDef)
def nested_class(ctx: FunctionContext, node: ast.AST) -> None:
    ctx.report("NKI008", _keyword_span(ctx, node))


@on(ast.For, ast.While)
def loop_else(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, (ast.For, ast.While))
    if node.orelse:
        ctx.report("NKI018", _else_span(ctx, node))


@on(ast.With)
def with_statement(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.With)
    if len(node.items) == 1:
        item = node.items[0]
        expr = item.context_expr
        if (
            item.optional_vars is None
            and isinstance(expr, ast.Call)
            and not expr.args
            and not expr.keywords
            and ctx.module.canonical(expr.func) == "nki.language.no_reorder"
        ):
            return
    ctx.report("NKI021", _keyword_span(ctx, node))


if sys.version_info >= (3, 12):

    @on(ast.TypeAlias)  # type: ignore[attr-defined]
    def type_alias(ctx: FunctionContext, node: ast.AST) -> None:
        ctx.report("NKI024", node)


def _keyword_span(ctx: FunctionContext, node: ast.AST):  # noqa: ANN202 - Span
    """The statement's header line only (multi-line statements underline their first line)."""
    span = ctx.span(node)
    text = ctx.module.source.text
    end = text.find("\n", span.start, span.end)
    return span if end < 0 else type(span)(span.start, end)


def _else_span(ctx: FunctionContext, node: ast.For | ast.While):  # noqa: ANN202 - Span
    first = ctx.span(node.orelse[0])
    text = ctx.module.source.text
    position = text.rfind("else", ctx.span(node).start, first.start)
    if position < 0:
        return first
    return type(first)(position, position + 4)
