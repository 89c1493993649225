"""Beta-1 values whose 0.6 form differs in dtype, buffer or initialization: `nl.shared_constant(np.identity(n),
dtype=d)` (NKI113: 0.6 takes the array only), `nl.zeros(..., lazy_initialization=False)` (NKI113) and
`nl.transpose` results fed to `nl.matmul` (NKI402: PSUM operand).

Beta 1 cast the array to `dtype`; 0.6 keeps the array's own dtype. An identity matrix is the one constant
whose cast we can spell in 0.6 without numpy dtype conversions: `nl.shared_identity_matrix(n, dtype=d)`
(ones and zeros are exact in every dtype). Other arrays keep the plain NKI113 of signatures.py.
"""

from __future__ import annotations

import ast

from nki_compiler.diagnostics.codes import rule
from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, on
from nki_compiler.frontend.checks.facts import bindings, facts
from nki_compiler.frontend.checks.migration_common import (
    argument,
    canonical,
    keyword,
    module_alias,
    remove_argument,
)

#: `nl` allocators that fill their tile (Beta 1 could defer the fill with `lazy_initialization=True`)
INITIALIZED_ALLOCATORS = frozenset({"nki.language.zeros", "nki.language.ones", "nki.language.full"})
IDENTITY_BUILDERS = frozenset({"numpy.identity", "numpy.eye"})
#: keywords of the numpy builders that do not change the values of an n x n identity
NEUTRAL_BUILDER_KEYWORDS = frozenset({"n", "N", "dtype"})


@on(ast.Call)
def shared_constant_dtype(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if canonical(ctx, node.func) != "nki.language.shared_constant":
        return
    dtype = keyword(node, "dtype")
    if dtype is None:
        return
    fixes = _identity_fix(ctx, node, dtype)
    if fixes:
        ctx.report("NKI113", dtype, fixes=fixes, kw="dtype", callee="nl.shared_constant")


def _identity_fix(ctx: FunctionContext, call: ast.Call, dtype: ast.keyword) -> tuple[Fix, ...]:
    nl = module_alias(ctx, "nki.language")
    constant = argument(call, 0, "constant")
    if nl is None or len(call.args) + len(call.keywords) != 2 or constant is None:
        return ()
    size = _identity_size(ctx, constant)
    if size is None:
        return ()
    new = f"{nl}.shared_identity_matrix({ctx.text(size)}, dtype={ctx.text(dtype.value)})"
    title = f"Use `{nl}.shared_identity_matrix` (check: the constant is only copied from, never written)"
    return (Fix(title, (Edit(ctx.span(call), new),), Applicability.UNSAFE),)


def _identity_size(ctx: FunctionContext, constant: ast.expr) -> ast.expr | None:
    """`n` of `np.identity(n[, dtype])` or `np.eye(n[, dtype=...])` (square, main diagonal)."""
    if not isinstance(constant, ast.Call) or canonical(ctx, constant.func) not in IDENTITY_BUILDERS:
        return None
    if any(k.arg not in NEUTRAL_BUILDER_KEYWORDS for k in constant.keywords):
        return None
    is_identity = canonical(ctx, constant.func) == "numpy.identity"
    if len(constant.args) > (2 if is_identity else 1) or any(
        isinstance(a, ast.Starred) for a in constant.args
    ):
        return None
    return argument(constant, 0, "n" if is_identity else "N")


@on(ast.Call)
def transposed_matmul_operand(ctx: FunctionContext, node: ast.AST) -> None:
    """Beta-1 `t = nl.transpose(x)` then `nl.matmul(a, t)`: 0.6 `nl.transpose` returns a PSUM tile and
    `nl.matmul` reads SBUF operands only (NKI402, also reported by the specializer on the same operand).
    `nl.copy` keeps the values bit-exact (same dtype), so the copy is a safe fix."""
    assert isinstance(node, ast.Call)
    if canonical(ctx, node.func) != "nki.language.matmul":
        return
    nl = module_alias(ctx, "nki.language")
    transpose_x = keyword(node, "transpose_x")
    operands = [("y", argument(node, 1, "y"))]
    if (
        transpose_x is not None
        and isinstance(transpose_x.value, ast.Constant)
        and transpose_x.value.value is True
    ):
        operands.append(("x", argument(node, 0, "x")))
    for key, operand in operands:
        if operand is None or not _bound_to_transpose(ctx, operand):
            continue
        fixes: tuple[Fix, ...] = ()
        if nl is not None:
            new = f"{nl}.copy({ctx.text(operand)})"
            fixes = (
                Fix(f"Pass `{new}` (an SBUF copy of the PSUM transpose)", (Edit(ctx.span(operand), new),)),
            )
        detail = f"`{key}` of `nl.matmul` is a PSUM tile (an `nl.transpose` result): pass `nl.copy({key})`"
        ctx.report("NKI402", operand, message=f"{rule('NKI402').format()}; {detail}", fixes=fixes)


#: `nl` calls whose 0.6 result is a new PSUM tile (nki-api.md §3.3)
PSUM_RESULTS = frozenset({"nki.language.transpose", "nki.language.matmul"})


def _bound_to_transpose(ctx: FunctionContext, operand: ast.expr) -> bool:
    return bound_to_call(ctx, operand, frozenset({"nki.language.transpose"}))


def psum_result(ctx: FunctionContext, expr: ast.expr | None) -> bool:
    """`expr` is certainly a PSUM tile returned by `nl.transpose`/`nl.matmul`."""
    return expr is not None and bound_to_call(ctx, expr, PSUM_RESULTS)


def bound_to_call(ctx: FunctionContext, operand: ast.expr, callees: frozenset[str]) -> bool:
    """`operand` is a call of one of `callees`, or a local name whose only binding is one."""
    if isinstance(operand, ast.Call):
        return canonical(ctx, operand.func) in callees
    if not isinstance(operand, ast.Name):
        return False
    for function in facts(ctx).enclosing_functions(operand):
        values = bindings(function).names.get(operand.id)
        if values is None:
            continue
        return (
            len(values) == 1 and isinstance(values[0], ast.Call) and canonical(ctx, values[0].func) in callees
        )
    return False


@on(ast.Call)
def eager_initialization(ctx: FunctionContext, node: ast.AST) -> None:
    """Beta-1 `nl.zeros(..., lazy_initialization=False)`: 0.6 always fills the tile, so the keyword goes
    (`lazy_initialization=True` could skip the fill: left to the user)."""
    assert isinstance(node, ast.Call)
    lazy = keyword(node, "lazy_initialization")
    name = canonical(ctx, node.func) or ""
    if lazy is None or name not in INITIALIZED_ALLOCATORS:
        return
    if not (isinstance(lazy.value, ast.Constant) and lazy.value.value is False):
        return
    fix = Fix(
        "Remove `lazy_initialization=False` (0.6 always initializes)", (remove_argument(ctx, node, lazy),)
    )
    ctx.report("NKI113", lazy, fixes=(fix,), kw="lazy_initialization", callee=f"nl.{name.rsplit('.', 1)[-1]}")
