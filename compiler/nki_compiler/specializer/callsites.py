"""Argument facts from static call sites in the kernel's own file (design.md §3, source 3), best effort.

Recognised: `kernel(args)`, `kernel[grid](args)`, `nki.jit(kernel)(args)`, `nki.simulate(kernel)(args)`
where an argument is a literal, a NumPy constructor (`np.zeros((128, 512), dtype=np.float32)`,
`np.random.rand(128, 512)`, ... optionally `.astype(dtype)`), or a name assigned exactly once in the
same scope to one of those. Only the AST is read: nothing is imported or executed, and an argument
that is not recognised is simply not a fact.
"""

from __future__ import annotations

import ast
from typing import Any

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.ir.access import DTYPE_BYTES
from nki_compiler.specializer.facts import UNKNOWN_DTYPE, TensorFact

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
WRAPPERS = frozenset({"nki.jit", "nki.simulate", "nki.cpu_simulate"})
#: constructor -> (positional index of the shape or "dims" for `rand(*dims)`, positional index of dtype)
CONSTRUCTORS: dict[str, tuple[int | str, int | None]] = {
    "numpy.zeros": (0, 1), "numpy.ones": (0, 1), "numpy.empty": (0, 1), "numpy.full": (0, 2),
    "numpy.random.rand": ("dims", None), "numpy.random.randn": ("dims", None),
    "numpy.random.random": (0, None), "numpy.random.random_sample": (0, None),
    "numpy.random.uniform": ("size", None), "numpy.random.normal": ("size", None),
    "numpy.random.randint": ("size", None), "numpy.random.standard_normal": (0, None),
}  # fmt: skip
INTEGER_DEFAULTS = frozenset({"numpy.random.randint"})
_MISSING = object()
_NOT_BOUND = object()


def callsite_facts(module: ModuleInfo, kernel: FunctionNode) -> dict[str, Any]:
    """Facts for the kernel's parameters from the first call site that gives each one."""
    if module.tree is None:
        return {}
    params = [p.arg for p in [*kernel.args.posonlyargs, *kernel.args.args]]
    facts: dict[str, Any] = {}
    for call, scope in _call_sites(module, kernel.name):
        arguments = list(zip(params, call.args, strict=False))
        arguments += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
        if any(isinstance(a, ast.Starred) for a in call.args):
            continue
        for name, expr in arguments:
            if name in facts:
                continue
            value = _fact(module, scope, expr, depth=0)
            if value is not _MISSING:
                facts[name] = value
    return facts


def _call_sites(module: ModuleInfo, kernel: str) -> list[tuple[ast.Call, ast.AST]]:
    """Every call of the kernel with the scope (function or module) that encloses it, in file order."""
    found: list[tuple[ast.Call, ast.AST]] = []
    parents = module.parents
    for node in module.nodes:
        if isinstance(node, ast.Call) and _calls_kernel(module, node.func, kernel):
            scope: ast.AST | None = parents.get(id(node))
            while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = parents.get(id(scope))
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.name == kernel:
                continue
            found.append((node, scope if scope is not None else module.tree))  # type: ignore[arg-type]
    return sorted(found, key=lambda item: (item[0].lineno, item[0].col_offset))


def _calls_kernel(module: ModuleInfo, func: ast.expr, kernel: str) -> bool:
    if isinstance(func, ast.Name):
        return func.id == kernel
    if isinstance(func, ast.Subscript):  # kernel[grid](...)
        return isinstance(func.value, ast.Name) and func.value.id == kernel
    if isinstance(func, ast.Call) and len(func.args) == 1 and isinstance(func.args[0], ast.Name):
        return func.args[0].id == kernel and module.canonical(func.func) in WRAPPERS
    return False


def _fact(module: ModuleInfo, scope: ast.AST, expr: ast.expr, depth: int) -> Any:
    if depth > 8:
        return _MISSING
    if isinstance(expr, ast.Name):
        bound = _single_assignment(scope, expr.id)
        if bound is _NOT_BOUND and scope is not module.tree:
            scope = module.tree  # type: ignore[assignment]
            bound = _single_assignment(scope, expr.id)
        return _fact(module, scope, bound, depth + 1) if isinstance(bound, ast.expr) else _MISSING
    if isinstance(expr, ast.Call):
        return _array(module, scope, expr, depth)
    try:
        return ast.literal_eval(expr)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _single_assignment(scope: ast.AST | None, name: str) -> Any:
    """The value of the only `name = ...` directly in this scope (nested functions excluded);
    `_NOT_BOUND` when the scope never binds `name`, None when it binds it in a way we do not follow."""
    if scope is None:
        return _NOT_BOUND
    values: list[ast.expr] = []
    stack = list(getattr(scope, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.With, ast.NamedExpr)):
            targets = [n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
            if any(t.id == name for t in targets):
                return None  # rebound in a way we do not follow
        stack.extend(ast.iter_child_nodes(node))
    if not values:
        return _NOT_BOUND
    return values[0] if len(values) == 1 else None


def _array(module: ModuleInfo, scope: ast.AST, call: ast.Call, depth: int) -> Any:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "astype" and len(call.args) == 1:
        inner = _fact(module, scope, func.value, depth + 1)
        dtype = _dtype(module, call.args[0])
        if isinstance(inner, TensorFact) and dtype is not None:
            return TensorFact(dtype, inner.shape)
        return _MISSING
    name = module.canonical(func) or ""
    if name not in CONSTRUCTORS:
        return _MISSING
    shape_at, dtype_at = CONSTRUCTORS[name]
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    shape = _shape(module, scope, call, shape_at, keywords, depth)
    if shape is None:
        return _MISSING
    dtype_node = keywords.get("dtype")
    if dtype_node is None and isinstance(dtype_at, int) and len(call.args) > dtype_at:
        dtype_node = call.args[dtype_at]
    if dtype_node is not None:
        dtype = _dtype(module, dtype_node)
    else:
        dtype = None if name in INTEGER_DEFAULTS else "float64"  # NumPy's defaults
    return TensorFact(dtype if dtype in DTYPE_BYTES else UNKNOWN_DTYPE, shape)


def _shape(
    module: ModuleInfo,
    scope: ast.AST,
    call: ast.Call,
    shape_at: int | str,
    keywords: dict[str, ast.expr],
    depth: int,
) -> tuple[int, ...] | None:
    if shape_at == "dims":
        dims = [_integer(module, scope, a, depth) for a in call.args]
    else:
        node = keywords.get("size" if shape_at == "size" else "shape")
        if node is None and isinstance(shape_at, int) and len(call.args) > shape_at:
            node = call.args[shape_at]
        if node is None:
            return None
        if isinstance(node, (ast.Tuple, ast.List)):
            dims = [_integer(module, scope, e, depth) for e in node.elts]
        else:
            value = _fact(module, scope, node, depth + 1)
            items = value if isinstance(value, tuple) else (value,)
            dims = [v if isinstance(v, int) and not isinstance(v, bool) else None for v in items]
    if not dims or any(d is None or d < 0 for d in dims):
        return None
    return tuple(d for d in dims if d is not None)


def _integer(module: ModuleInfo, scope: ast.AST, node: ast.expr, depth: int) -> int | None:
    value = _fact(module, scope, node, depth + 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dtype(module: ModuleInfo, node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if node.value in DTYPE_BYTES else None
    name = module.canonical(node) or (node.id if isinstance(node, ast.Name) else "")
    leaf = name.rpartition(".")[2]
    if name.startswith(("numpy.", "nki.language.", "ml_dtypes.")) and leaf in DTYPE_BYTES:
        return leaf
    if name in ("numpy.bool_", "bool"):
        return "bool_"
    return None
