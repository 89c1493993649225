"""Rules on classes in kernel scope: `NKIObject` bases, class keywords, class-body statements and
enum comparisons (NKI105-NKI108)."""

from __future__ import annotations

import ast
import builtins
import sys

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on, on_class
from nki_compiler.frontend.checks.calls import library_alias
from nki_compiler.frontend.checks.facts import module_cached
from nki_compiler.frontend.checks.functions import header_span
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import ScopeClass
from nki_compiler.source import Span

NKI_OBJECT = frozenset({"nki.language.NKIObject", "nki.NKIObject"})
ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})
#: Bases that are certainly not project classes (anything else may derive from NKIObject: stay silent).
_FOREIGN_ROOTS = frozenset(
    {"abc", "typing", "collections", "dataclasses", "numpy", "torch", "jax", "functools"}
)


def _base_kind(module: ModuleInfo, base: ast.expr) -> str:
    """One of nki, enum, foreign (certainly not NKIObject-derived), unknown (a project class, ...)."""
    canonical = module.canonical(base)
    if canonical in NKI_OBJECT:
        return "nki"
    if canonical in ENUM_BASES:
        return "enum"
    if canonical is not None:
        return "foreign" if canonical.split(".")[0] in _FOREIGN_ROOTS else "unknown"
    if isinstance(base, ast.Name) and base.id not in module.definitions and base.id not in module.assignments:
        return "foreign" if isinstance(getattr(builtins, base.id, None), type) else "unknown"
    return "unknown"


@on_class
def class_bases(ctx: ModuleContext, klass: ScopeClass) -> None:
    node = klass.node
    kinds = [_base_kind(ctx.module, b) for b in node.bases]
    if "enum" in kinds or "unknown" in kinds and "foreign" not in kinds:
        return
    if kinds == ["nki"]:
        return
    ctx.report("NKI105", header_span(ctx, node), C=node.name, fixes=_bases_fix(ctx, node))


def _bases_fix(ctx: ModuleContext, node: ast.ClassDef) -> tuple[Fix, ...]:
    alias = library_alias(ctx, "nki.language")
    base = f"{alias}.NKIObject" if alias else "NKIObject"
    edits: list[Edit] = []
    if alias is None and "NKIObject" not in ctx.module.imports:
        edits.append(Edit(Span(0, 0), "from nki.language import NKIObject\n"))
    text = ctx.module.source.text
    start = ctx.span(node).start
    name_end = text.find(node.name, start) + len(node.name)
    if name_end < len(node.name) or node.keywords:
        return ()
    if node.bases:
        span = Span(ctx.span(node.bases[0]).start, ctx.span(node.bases[-1]).end)
        edits.append(Edit(span, base))
        title, applicability = (
            "Derive from `NKIObject` only (check what the other bases provided)",
            Applicability.UNSAFE,
        )
    else:
        paren = text.find("(", name_end, name_end + 3)
        if paren >= 0:
            edits.append(Edit(Span(paren + 1, paren + 1), base))
        else:
            edits.append(Edit(Span(name_end, name_end), f"({base})"))
        title, applicability = "Derive from `NKIObject`", Applicability.SAFE
    return (Fix(title, tuple(edits), applicability),)


@on_class
def class_keywords(ctx: ModuleContext, klass: ScopeClass) -> None:
    node = klass.node
    if node.keywords:
        ctx.report("NKI106", node.keywords[0])
    elif sys.version_info >= (3, 12) and getattr(node, "type_params", None):
        ctx.report("NKI106", header_span(ctx, node))


@on_class
def class_body(ctx: ModuleContext, klass: ScopeClass) -> None:
    for statement in klass.node.body:
        if not _allowed_in_class(statement):
            ctx.report("NKI107", header_span(ctx, statement))


def _allowed_in_class(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.Pass, ast.FunctionDef, ast.AsyncFunctionDef)):
        return True
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant) and isinstance(
            statement.value.value, str | type(...)
        )
    if isinstance(statement, ast.Assign):
        return len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)
    return isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)


def _enum_classes(module: ModuleInfo) -> frozenset[str]:
    return frozenset(
        name
        for name, definition in module.definitions.items()
        if isinstance(definition, ast.ClassDef)
        and any(module.canonical(b) in ENUM_BASES for b in definition.bases)
    )


@on(ast.Compare, ast.BinOp)
def enum_operation(ctx: FunctionContext, node: ast.AST) -> None:
    enums = module_cached(ctx.module, "enum_classes", _enum_classes)
    if not enums:
        return
    if isinstance(node, ast.Compare):
        ordering = any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops)
        operands = [node.left, *node.comparators]
    else:
        assert isinstance(node, ast.BinOp)
        ordering, operands = True, [node.left, node.right]
    if ordering and any(_is_member(o, enums) for o in operands):
        ctx.report("NKI108", node)


def _is_member(node: ast.expr, enums: frozenset[str]) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in enums
