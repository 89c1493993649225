"""Rules on calls and library references in kernel scope: third-party libraries, builtins, `math`,
numpy dtypes, `nl.device_print`, launch axes and `print` of tensors (NKI026-028, NKI104, NKI202,
NKI215, NKI903)."""

from __future__ import annotations

import ast
import builtins

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on
from nki_compiler.frontend.checks.facts import (
    DICT,
    TENSOR,
    argument,
    bindings,
    call_name,
    facts,
    in_annotation,
    is_builtin,
    is_register,
)
from nki_compiler.frontend.walk import walk, walk_cached
from nki_compiler.source import Span

THIRD_PARTY = frozenset(
    {"numpy", "torch", "jax", "jaxlib", "scipy", "tensorflow", "pandas", "torch_xla", "cupy"}
)
SUPPORTED_BUILTINS = frozenset(
    {"abs", "bool", "dict", "divmod", "float", "int", "isinstance", "len", "list", "max", "min", "print", "slice",
     "str", "tuple", "type", "range"}
)  # fmt: skip
SUPPORTED_MATH = frozenset({"ceil", "floor", "gcd", "log2", "log10", "pow", "sqrt", "pi", "e", "inf", "nan"})
NUMPY_DTYPES = frozenset(
    {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "bool_", "float_", "int_", "double", "single", "half", "complex64", "complex128", "dtype"}
)  # fmt: skip
#: numpy dtypes with an exact `nki.language` counterpart (the NKI104 quick fix).
NL_EQUIVALENT = {
    "float16": "float16", "float32": "float32", "int8": "int8", "int16": "int16", "int32": "int32",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "bool_": "bool_",
}  # fmt: skip


def library_alias(ctx: ModuleContext, module_name: str) -> str | None:
    """The local name under which the module imports `module_name` (`nl` for `nki.language`)."""
    for local, imported in ctx.module.imports.items():
        full = f"{imported.module}.{imported.attr}" if imported.attr else imported.module
        if imported.level == 0 and full in (module_name, "neuronxcc." + module_name):
            return local
    return None


def _in_raise(ctx: FunctionContext, node: ast.AST) -> bool:
    return any(isinstance(a, ast.Raise) for a in ctx.ancestors(node))


@on(ast.Call)
def third_party_call(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = call_name(ctx.module, node)
    if name is None or name.split(".")[0] not in THIRD_PARTY or _shadowed(ctx, node.func):
        return
    if any(call_name(ctx.module, a) == "nki.language.shared_constant" for a in ctx.ancestors(node)):
        return  # the constant's value is built on the host (legacy kernels pass numpy arrays)
    if name == "numpy.dtype":
        ctx.report("NKI104", node, t="dtype", fixes=_nl_dtype_fix(ctx, node))
        return
    ctx.report("NKI026", node.func, module=name.split(".")[0])


def _nl_dtype_fix(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    """`np.dtype(nl.float32)` names the dtype `nl.float32` already is."""
    if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Attribute):
        return ()
    name = ctx.module.canonical(call.args[0]) or ""
    if not name.startswith("nki.language.") or name.rsplit(".", 1)[-1] not in NL_EQUIVALENT.values():
        return ()
    text = ctx.text(call.args[0])
    return (Fix(f"Use `{text}`", (Edit(ctx.span(call), text),)),)


def _shadowed(ctx: FunctionContext, expr: ast.expr) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return True
    return any(expr.id in bindings(f).names for f in facts(ctx).enclosing_functions(expr))


@on(ast.Attribute)
def numpy_dtype(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Attribute)
    parent = ctx.parent(node)
    if isinstance(parent, ast.Call) and parent.func is node or not isinstance(node.ctx, ast.Load):
        return
    if (
        ctx.module.canonical(node) != f"numpy.{node.attr}"
        or node.attr not in NUMPY_DTYPES
        or _shadowed(ctx, node)
    ):
        return
    if in_annotation(ctx, node):
        return
    if any(call_name(ctx.module, a) == "nki.language.shared_constant" for a in ctx.ancestors(node)):
        return  # a numpy dtype of the host-built constant (`np.identity(128, dtype=np.int8)`)
    fixes: tuple[Fix, ...] = ()
    alias = library_alias(ctx, "nki.language")
    if alias and node.attr in NL_EQUIVALENT:
        new = f"{alias}.{NL_EQUIVALENT[node.attr]}"
        fixes = (Fix(f"Use `{new}`", (Edit(ctx.span(node), new),)),)
    ctx.report("NKI104", node, t=node.attr, fixes=fixes)


@on(ast.Call)
def unsupported_builtin(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    func = node.func
    if not isinstance(func, ast.Name) or func.id in SUPPORTED_BUILTINS or _in_raise(ctx, node):
        return
    if isinstance(ctx.parent(node), ast.withitem):
        return  # the `with` statement itself is NKI021
    value = getattr(builtins, func.id, None)
    if value is None or (isinstance(value, type) and issubclass(value, BaseException)):
        return
    if func.id in ("set", "frozenset") or not is_builtin(ctx, func, func.id):
        return  # sets are NKI014
    if any(func.id in bindings(f).names for f in facts(ctx).enclosing_functions(node)):
        return
    ctx.report("NKI027", func, name=func.id, fixes=_iteration_fix(ctx, node))


def _iteration_fix(ctx: FunctionContext, call: ast.Call) -> tuple[Fix, ...]:
    """`for i, x in enumerate(xs):` / `for a, b in zip(xs, ys):` -> index loop with element reads."""
    loop = ctx.parent(call)
    if not isinstance(loop, ast.For) or loop.iter is not call or call.keywords or not loop.body:
        return ()
    target = loop.target
    if not isinstance(target, ast.Tuple) or not all(isinstance(e, ast.Name) for e in target.elts):
        return ()
    names = [e.id for e in target.elts]  # type: ignore[attr-defined]
    sequences = [ctx.text(a) for a in call.args]
    if not all(isinstance(a, (ast.Name, ast.Attribute)) for a in call.args):
        return ()
    first = loop.body[0]
    text = ctx.module.source.text
    first_span = ctx.span(first)
    line_start = text.rfind("\n", 0, first_span.start) + 1
    indent = text[line_start : first_span.start]
    if indent.strip() or ctx.module.source.index.line_of(first_span.start) == ctx.module.source.index.line_of(
        ctx.span(loop).start
    ):
        return ()
    func = call.func.id  # type: ignore[attr-defined]
    if func == "enumerate" and len(call.args) == 1 and len(names) == 2:
        index, elements = names[0], [(names[1], sequences[0])]
        header = f"{index} in range(len({sequences[0]}))"
    elif func == "zip" and len(call.args) == len(names) >= 2:
        index = _fresh_index(ctx, loop)
        elements = list(zip(names, sequences, strict=True))
        lengths = ", ".join(f"len({s})" for s in sequences)
        header = f"{index} in range(min({lengths}))"
    else:
        return ()
    reads = "".join(f"{name} = {seq}[{index}]\n{indent}" for name, seq in elements)
    header_span = Span(ctx.span(target).start, ctx.span(call).end)
    edits = (Edit(header_span, header), Edit(Span(first_span.start, first_span.start), reads))
    roots = {_root(a) for a in call.args}
    mutated = any(isinstance(n, ast.Name) and n.id in roots for s in loop.body for n in walk(s))
    applicability = Applicability.UNSAFE if mutated else Applicability.SAFE
    title = "Iterate over indices" + (
        " (check that the loop does not modify the sequence)" if mutated else ""
    )
    return (Fix(title, edits, applicability),)


def _root(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _fresh_index(ctx: FunctionContext, loop: ast.For) -> str:
    used = {n.id for n in walk_cached(ctx.function.node) if isinstance(n, ast.Name)}
    used |= set(bindings(ctx.function.node).names)
    for candidate in ("i", "idx", "index", "_i"):
        if candidate not in used:
            return candidate
    return next(f"_i{n}" for n in range(1, 1000) if f"_i{n}" not in used)


@on(ast.Attribute, ast.Name)
def unsupported_math(ctx: FunctionContext, node: ast.AST) -> None:
    if not isinstance(getattr(node, "ctx", None), ast.Load):
        return
    if isinstance(node, ast.Attribute) and isinstance(ctx.parent(node), ast.Attribute):
        return
    name = ctx.module.canonical(node)  # type: ignore[arg-type]
    if name is None or not name.startswith("math.") or name.count(".") != 1 or _shadowed(ctx, node):  # type: ignore[arg-type]
        return
    member = name[len("math.") :]
    if member not in SUPPORTED_MATH and hasattr(__import__("math"), member):
        ctx.report("NKI028", node, name=member)


@on(ast.Call)
def device_print_prefix(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if call_name(ctx.module, node) != "nki.language.device_print":
        return
    prefix = argument(node, 0, "print_prefix")
    if prefix is None or isinstance(prefix, ast.JoinedStr):
        return
    if isinstance(prefix, ast.Constant):
        bad = not isinstance(prefix.value, str)
    else:
        kind = facts(ctx).kind(prefix)
        bad = kind in (TENSOR, DICT) or is_register(kind)
    if bad:
        ctx.report("NKI202", prefix)


@on(ast.Call)
def launch_axis(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    name = call_name(ctx.module, node)
    if name == "nki.language.program_id":
        axis = argument(node, 0, "axis")
    elif name == "nki.language.num_programs":
        axis = argument(node, 0, "axes")
    else:
        return
    if isinstance(axis, ast.Constant) and isinstance(axis.value, int) and axis.value != 0:
        if isinstance(axis.value, bool):
            return
        # unsafe: a kernel written for a 2-D grid (`k[a, b]`) computes other tiles with axis 0 alone
        fix = Fix("Use axis 0 (a multi-dimensional launch grid must be flattened into axis 0 by hand)",
                  (Edit(ctx.span(axis), "0"),), Applicability.UNSAFE)  # fmt: skip
        ctx.report("NKI215", axis, fixes=(fix,))


@on(ast.Call)
def print_tensor(ctx: FunctionContext, node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    if not is_builtin(ctx, node.func, "print", ctx.function.node):
        return
    tensors = [a for a in node.args if isinstance(a, ast.Name) and facts(ctx).kind(a) == TENSOR]
    if not tensors:
        return
    fixes: tuple[Fix, ...] = ()
    alias = library_alias(ctx, "nki.language")
    if alias and len(node.args) == 1 and not node.keywords:
        name = tensors[0].id
        new = f'{alias}.device_print("{name}", {name})'
        fix = Fix("Print the values at run time with `device_print` (adds a device instruction)",
                  (Edit(ctx.span(node), new),), Applicability.UNSAFE)  # fmt: skip
        fixes = (fix,)
    ctx.report("NKI903", node, fixes=fixes)
