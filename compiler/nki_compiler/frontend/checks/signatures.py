"""Calls checked against signatures: the `nl`/`nisa`/`ncc` API (from `nki_compiler.api`) and the
project's own helpers and kernels in the same module (NKI113 unknown keyword, NKI114 arity)."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any, cast

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on, on_function
from nki_compiler.frontend.checks.facts import bindings, call_name
from nki_compiler.frontend.scope import is_kernel_decorator
from nki_compiler.source import Span

_API_PREFIXES = ("nki.language.", "nki.isa.", "nki.collectives.")
_DEFAULT = object()  # stands for any default value: only presence matters for binding


@dataclass(frozen=True)
class _HelperEntry:
    """The two attributes of `api.ApiEntry` that `api.bind_call` reads, for a project function."""

    signature: inspect.Signature
    display_name: str


@on(ast.Call)
def call_signature(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    entry = _api_entry(ctx, node) or _helper_entry(ctx, node)
    if entry is None:
        return
    from nki_compiler import api

    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    problems = api.bind_call(
        cast(Any, entry),
        len(positional),
        [k.arg for k in node.keywords if k.arg is not None],
        has_star_args=len(positional) != len(node.args),
        has_star_kwargs=any(k.arg is None for k in node.keywords),
    )
    pending = ctx.__dict__.setdefault("_pending_signature_reports", [])
    pending.append((ctx.span(node), node, entry.display_name, problems))


@on_function
def report_signature_problems(ctx: FunctionContext) -> None:
    """Report after the traversal, leaving calls that an API-contract or migration rule (NKI4xx/NKI5xx)
    already explains (e.g. a Beta-1 call without `dst=`) to that more precise diagnostic."""
    pending = ctx.__dict__.pop("_pending_signature_reports", [])
    if not pending:
        return
    path = ctx.module.path
    explained = [d.span for d in ctx.reporter.diagnostics if d.code[3] in "45" and d.path == path]
    stores = {d.span for d in ctx.reporter.diagnostics if d.code == "NKI316" and d.path == path}
    keywords = {d.span for d in ctx.reporter.diagnostics if d.code == "NKI113" and d.path == path}
    for span, node, callee, problems in pending:
        if any(span.start <= s.start and s.end <= span.end for s in explained):
            continue
        statement = ctx.parent(node)  # `t[ix] = nisa.op(...)`: NKI316 already says to pass `dst`
        if isinstance(statement, ast.Assign) and ctx.span(statement.targets[0]) in stores:
            continue
        for problem in problems:
            if problem.code == "NKI113":
                keyword = next(k for k in node.keywords if k.arg == problem.name)
                if ctx.span(keyword) in keywords:  # a migration rule reported it with its fix
                    continue
                ctx.report("NKI113", keyword, message=problem.message, fixes=_rename_fix(ctx, keyword, problem.suggestion),
                           kw=problem.name, callee=callee)  # fmt: skip
            elif problem.code == "NKI114":
                ctx.report("NKI114", node.func, message=problem.message, callee=callee, p=problem.name or "",
                           fixes=_rand_dtype_fix(ctx, node, problem.name))  # fmt: skip


def _rand_dtype_fix(ctx: FunctionContext, node: ast.Call, missing: str | None) -> tuple[Fix, ...]:
    """Beta-1 `nl.rand(shape)` defaulted to float32; 0.6 requires `dtype`."""
    if missing != "dtype" or call_name(ctx.module, node) != "nki.language.rand":
        return ()
    if not isinstance(node.func, ast.Attribute):
        return ()
    end = ctx.span(node).end - 1  # the closing parenthesis
    if not ctx.module.source.text.startswith(")", end) or not (node.args or node.keywords):
        return ()
    dtype = f"{ctx.text(node.func.value)}.float32"
    return (Fix(f"Add `dtype={dtype}` (check: the intended dtype; Beta 1 defaulted to float32)",
                (Edit(Span(end, end), f", dtype={dtype}"),), Applicability.UNSAFE),)  # fmt: skip


def _rename_fix(ctx: FunctionContext, keyword: ast.keyword, suggestion: str | None) -> tuple[Fix, ...]:
    if suggestion is None or keyword.arg is None:
        return ()
    start = ctx.span(keyword).start
    if not ctx.module.source.text.startswith(keyword.arg, start):
        return ()
    return (Fix(f"Rename to `{suggestion}`", (Edit(Span(start, start + len(keyword.arg)), suggestion),)),)


def _api_entry(ctx: FunctionContext, node: ast.Call) -> Any:
    name = call_name(ctx.module, node)
    if name is None or not name.startswith(_API_PREFIXES):
        return None
    try:
        from nki_compiler import api

        entry = api.lookup(name)
    except ImportError:
        return None
    return entry if entry is not None and entry.kind == "function" and entry.signature is not None else None


def _helper_entry(ctx: FunctionContext, node: ast.Call) -> _HelperEntry | None:
    """A same-module function called by its (unshadowed) name, with a signature nothing rewrites."""
    func = node.func
    if not isinstance(func, ast.Name) or func.id in bindings(ctx.function.node).names:
        return None
    if any(
        isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)) and func.id in bindings(a).names
        for a in ctx.ancestors(node)
    ):
        return None
    definition = ctx.module.definitions.get(func.id)
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if any(not is_kernel_decorator(ctx.module, d) for d in definition.decorator_list):
        return None
    signature = _signature(definition.args)
    return _HelperEntry(signature, func.id) if signature is not None else None


def _signature(arguments: ast.arguments) -> inspect.Signature | None:
    P = inspect.Parameter
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    params = [
        P(a.arg, P.POSITIONAL_ONLY if a in arguments.posonlyargs else P.POSITIONAL_OR_KEYWORD,
          default=P.empty if d is None else _DEFAULT)
        for a, d in zip(positional, defaults, strict=True)
    ]  # fmt: skip
    if arguments.vararg:
        params.append(P(arguments.vararg.arg, P.VAR_POSITIONAL))
    for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        params.append(P(a.arg, P.KEYWORD_ONLY, default=P.empty if d is None else _DEFAULT))
    if arguments.kwarg:
        params.append(P(arguments.kwarg.arg, P.VAR_KEYWORD))
    try:
        return inspect.Signature(params)
    except ValueError:
        return None
