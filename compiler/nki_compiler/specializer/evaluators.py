"""Expressions compiled once into closures (`Evaluator`s): re-running an unrolled loop body calls them
without dispatching on node types again.

`compile_expr(interp, node)` builds the evaluator of one node from its children's (cached per node by
`Interpreter.evaluator`); each evaluator computes exactly what the interpreter's rules for that node say
(rules §2), fast paths included: they only skip work whose result is already decided.
"""

from __future__ import annotations

import ast
import operator
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nki_compiler.specializer.attributes import get_attribute, tensor_attribute
from nki_compiler.specializer.interpreter import (
    Frame,
    _is_none_test,
    binary,
    compare,
    truth,
)  # fmt: skip
from nki_compiler.specializer.tensors import Tensor, ViewError
from nki_compiler.specializer.values import UNKNOWN, RegisterValue, is_unknown

if TYPE_CHECKING:
    from nki_compiler.specializer.interpreter import Interpreter

Evaluator = Callable[[Frame], Any]
_MISSING = object()
_DYNAMIC_INDEX = (Tensor, RegisterValue)  # a tensor or register inside `[]` (NKI315)
_UNARY: dict[type, Any] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
#: int (op) int with nothing for `binary` to refuse: the Python result is the answer
_INT_BINOPS: dict[type, Any] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_INT_COMPARE: dict[type, Any] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}  # fmt: skip


def compile_expr(interp: Interpreter, node: ast.expr) -> Evaluator:
    factory = _FACTORIES.get(type(node))
    return factory(interp, node) if factory is not None else _unknown


def _unknown(frame: Frame) -> Any:
    return UNKNOWN


def _constant(interp: Interpreter, node: ast.Constant) -> Evaluator:
    result = _constant_value(node)
    return lambda frame: result


def _constant_value(node: ast.Constant) -> Any:
    value = node.value
    known = isinstance(value, (int, float, str, bool, type(None))) or value is Ellipsis
    return value if known else UNKNOWN


def _name(interp: Interpreter, node: ast.Name) -> Evaluator:
    name = node.id
    global_value = interp.global_value
    # (module, the global's value there): once known it never changes; UNKNOWN may still be a placeholder
    # for a global being resolved (cyclic module constants), so it is not kept
    known: list[Any] = [None, None]

    def evaluate(frame: Frame) -> Any:
        value = frame.locals.get(name, _MISSING)
        if value is not _MISSING:
            return value
        closure = frame.closure
        if closure is not None:
            value = closure.get(name, _MISSING)
            if value is not _MISSING:
                return value
        module = frame.module
        if module is known[0]:
            return known[1]
        value = global_value(module, name)
        if value is not UNKNOWN:
            known[0], known[1] = module, value
        return value

    return evaluate


def _sequence(interp: Interpreter, node: ast.Tuple | ast.List) -> Evaluator:
    elements = tuple(interp.evaluator(e) for e in node.elts)
    if isinstance(node, ast.List):
        return lambda frame: [e(frame) for e in elements]
    if len(elements) == 2:
        first, second = elements
        return lambda frame: (first(frame), second(frame))
    return lambda frame: tuple([e(frame) for e in elements])


def _dict(interp: Interpreter, node: ast.Dict) -> Evaluator:
    pairs = tuple(
        (interp.evaluator(k) if k is not None else None, interp.evaluator(v))
        for k, v in zip(node.keys, node.values, strict=False)
    )

    def evaluate(frame: Frame) -> Any:
        result: dict[Any, Any] = {}
        for key_evaluator, value_evaluator in pairs:
            key = key_evaluator(frame) if key_evaluator is not None else UNKNOWN
            value = value_evaluator(frame)
            if not isinstance(key, (str, int, float, bool)) or key_evaluator is None:
                return UNKNOWN
            result[key] = value
        return result

    return evaluate


def _joined_str(interp: Interpreter, node: ast.JoinedStr) -> Evaluator:
    parts = tuple(interp.evaluator(v) for v in node.values)

    def evaluate(frame: Frame) -> Any:
        items = []
        for part in parts:
            item = part(frame)
            if item is UNKNOWN:
                return UNKNOWN
            items.append(item)
        return "".join(items)

    return evaluate


def _formatted_value(interp: Interpreter, node: ast.FormattedValue) -> Evaluator:
    inner = interp.evaluator(node.value)
    as_repr = node.conversion == ord("r")

    def evaluate(frame: Frame) -> Any:
        value = inner(frame)
        if is_unknown(value):
            return UNKNOWN
        return repr(value) if as_repr else str(value)

    return evaluate


def _slice(interp: Interpreter, node: ast.Slice) -> Evaluator:
    parts = tuple(interp.evaluator(p) if p is not None else None for p in (node.lower, node.upper, node.step))
    lower, upper, step = parts
    if lower is not None and upper is not None and step is None:
        return lambda frame: slice(lower(frame), upper(frame))
    return lambda frame: slice(*[p(frame) if p is not None else None for p in parts])


def _if_exp(interp: Interpreter, node: ast.IfExp) -> Evaluator:
    test, body, orelse = (
        interp.evaluator(node.test),
        interp.evaluator(node.body),
        interp.evaluator(node.orelse),
    )

    def evaluate(frame: Frame) -> Any:
        decided = truth(test(frame))
        if decided is UNKNOWN:
            return UNKNOWN
        return body(frame) if decided else orelse(frame)

    return evaluate


def _bool_op(interp: Interpreter, node: ast.BoolOp) -> Evaluator:
    is_and = isinstance(node.op, ast.And)
    operands = tuple(interp.evaluator(v) for v in node.values)

    def evaluate(frame: Frame) -> Any:
        value: Any = None
        for operand in operands:
            value = operand(frame)
            test = truth(value)
            if test is UNKNOWN:
                return UNKNOWN
            if test != is_and:
                return value
        return value

    return evaluate


def _unary_op(interp: Interpreter, node: ast.UnaryOp) -> Evaluator:
    operand = interp.evaluator(node.operand)
    is_not = isinstance(node.op, ast.Not)
    function = _UNARY.get(type(node.op))

    def evaluate(frame: Frame) -> Any:
        value = operand(frame)
        if is_not:
            test = truth(value)
            return UNKNOWN if test is UNKNOWN else not test
        if not isinstance(value, (int, float)):
            if isinstance(value, Tensor):
                from nki_compiler.specializer.python_ops import unary_on_tensor

                unary_on_tensor(interp, frame, node)
            return UNKNOWN
        if function is None:
            return UNKNOWN
        try:
            return function(value)
        except TypeError:
            return UNKNOWN

    return evaluate


def _bin_op(interp: Interpreter, node: ast.BinOp) -> Evaluator:
    left_evaluator, right_evaluator = interp.evaluator(node.left), interp.evaluator(node.right)
    op = type(node.op)
    fast = _INT_BINOPS.get(op)
    if fast is not None and isinstance(node.left, ast.Name):
        return _local_bin_op(interp, node, fast, left_evaluator, right_evaluator)

    def evaluate(frame: Frame) -> Any:
        left, right = left_evaluator(frame), right_evaluator(frame)
        if fast is not None and type(left) is int and type(right) is int:
            return fast(left, right)
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            from nki_compiler.specializer.python_ops import binary_on_tensor

            binary_on_tensor(interp, frame, node, right)
            return UNKNOWN
        return binary(op, left, right)

    return evaluate


def _local_bin_op(
    interp: Interpreter, node: ast.BinOp, fast: Any, left_evaluator: Evaluator, right_evaluator: Evaluator
) -> Evaluator:
    """`name + 1`, `i * size`: the `_bin_op` of a local name with a constant or another local name, read
    from the frame without calling their evaluators (index arithmetic of unrolled loops)."""
    assert isinstance(node.left, ast.Name)
    left_name = node.left.id
    right_name = node.right.id if isinstance(node.right, ast.Name) else None
    constant = _constant_value(node.right) if isinstance(node.right, ast.Constant) else _MISSING
    op = type(node.op)

    def evaluate(frame: Frame) -> Any:
        local = frame.locals
        left = local.get(left_name, _MISSING)
        if left is _MISSING:
            left = left_evaluator(frame)
        right = constant if right_name is None else local.get(right_name, _MISSING)
        if right is _MISSING:
            right = right_evaluator(frame)
        if type(left) is int and type(right) is int:
            return fast(left, right)
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            from nki_compiler.specializer.python_ops import binary_on_tensor

            binary_on_tensor(interp, frame, node, right)
            return UNKNOWN
        return binary(op, left, right)

    return evaluate


def _compare(interp: Interpreter, node: ast.Compare) -> Evaluator:
    left_evaluator = interp.evaluator(node.left)
    steps = tuple((op, interp.evaluator(r)) for op, r in zip(node.ops, node.comparators, strict=False))
    if len(steps) == 1 and type(steps[0][0]) in _INT_COMPARE:
        return _single_compare(interp, node, left_evaluator, steps[0])

    def evaluate(frame: Frame) -> Any:
        left = left_evaluator(frame)
        for op, right_evaluator in steps:
            right = right_evaluator(frame)
            result = _compare_step(interp, frame, node, op, left, right)
            if result is UNKNOWN or not result:
                return result
            left = right
        return True

    return evaluate


def _single_compare(
    interp: Interpreter, node: ast.Compare, left_evaluator: Evaluator, step: tuple[ast.cmpop, Evaluator]
) -> Evaluator:
    op, right_evaluator = step
    fast = _INT_COMPARE[type(op)]

    def evaluate(frame: Frame) -> Any:
        left, right = left_evaluator(frame), right_evaluator(frame)
        if type(left) is int and type(right) is int:
            return fast(left, right)
        result = _compare_step(interp, frame, node, op, left, right)
        return result if result is UNKNOWN or not result else True

    return evaluate


def _compare_step(
    interp: Interpreter, frame: Frame, node: ast.Compare, op: ast.cmpop, left: Any, right: Any
) -> Any:
    if _is_none_test(op, left, right):
        # `tensor != None` tests presence (nki-library's optional arguments): identity, not a tile op
        return (left is right) == isinstance(op, (ast.Eq, ast.Is))
    if isinstance(left, Tensor) or isinstance(right, Tensor):
        from nki_compiler.specializer.python_ops import compare_on_tensor, is_tensor_comparison

        if is_tensor_comparison(op):
            compare_on_tensor(interp, frame, node, op)
        return UNKNOWN
    return compare(type(op), left, right)


def _attribute(interp: Interpreter, node: ast.Attribute) -> Evaluator:
    owner_evaluator, attr = interp.evaluator(node.value), node.attr
    cache: list[Any] = [_MISSING, None]  # (module, attribute): a module of our `nki` package never changes

    def evaluate(frame: Frame) -> Any:
        owner = owner_evaluator(frame)
        if owner is cache[0]:
            return cache[1]
        if type(owner) is Tensor:  # `get_attribute`'s first case
            return tensor_attribute(owner, attr)
        value = get_attribute(interp, frame, owner, attr)
        if type(owner) is types.ModuleType:
            cache[0], cache[1] = owner, value
        return value

    return evaluate


def _subscript(interp: Interpreter, node: ast.Subscript) -> Evaluator:
    value_evaluator, key_evaluator = interp.evaluator(node.value), interp.evaluator(node.slice)

    def evaluate(frame: Frame) -> Any:
        value = value_evaluator(frame)
        key = key_evaluator(frame)
        if isinstance(value, Tensor):
            if isinstance(key, tuple):
                dynamic = any([isinstance(item, _DYNAMIC_INDEX) for item in key])
            else:
                dynamic = isinstance(key, _DYNAMIC_INDEX)
            if dynamic:  # `_is_dynamic_index`, inlined
                from nki_compiler.specializer.python_ops import dynamic_subscript

                dynamic_subscript(interp, frame, node, value, key)
                return UNKNOWN
            try:
                return value.getitem(key)
            except ViewError as error:  # `Interpreter.guard_view`, inlined
                interp.report(error.code, frame, node, **error.params)
                return UNKNOWN
        if is_unknown(key) or not isinstance(value, (list, tuple, str, dict)):
            return UNKNOWN
        try:
            return value[key]
        except (IndexError, KeyError, TypeError):
            return UNKNOWN

    return evaluate


def _call(interp: Interpreter, node: ast.Call) -> Evaluator:
    from nki_compiler.specializer.api import Call, api_site, direct_binding, invoke
    from nki_compiler.specializer.calls import apply

    callee_evaluator = interp.evaluator(node.func)
    positional = tuple(interp.evaluator(a) for a in node.args if not isinstance(a, ast.Starred))
    keywords = tuple((k.arg, interp.evaluator(k.value)) for k in node.keywords if k.arg is not None)
    arguments = (*positional, *(k for _, k in keywords))  # in evaluation order
    starred = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
    # (API function, its call site at this node, (handler, name, argument nodes, parameters, argument
    # index per parameter or None when in order) when the arguments bind to parameters one to one)
    last: list[Any] = [_MISSING, None, None]

    def evaluate(frame: Frame) -> Any:
        callee = callee_evaluator(frame)
        direct = last[2]
        if callee is last[0] and direct is not None:  # the arguments bind as last time: no kwargs dict
            handler, name, nodes, parameters, order = direct
            values = [a(frame) for a in arguments]
            if order is not None:
                values = [values[i] for i in order]
            return handler(
                Call(interp, frame, name, dict(zip(parameters, values, strict=True)), nodes, node), callee
            )
        args = [a(frame) for a in positional]
        kwargs = {name: k(frame) for name, k in keywords}
        if starred:
            return UNKNOWN  # star-expansion is rejected by the front end (NKI015/NKI016)
        if callee is last[0]:
            return invoke(last[1], interp, frame, callee, args, kwargs, node)
        if type(callee) is types.FunctionType:  # an `nl`/`nisa` API function: `apply` would say the same
            qualname = getattr(callee, "__nki_qualname__", None)
            if isinstance(qualname, str):
                site = api_site(interp, frame, qualname, callee, args, kwargs, node)
                if site is None:
                    return UNKNOWN
                binding = direct_binding(site, len(args), tuple(kwargs))
                handler, name, _, nodes = site
                last[0], last[1] = callee, site
                last[2] = None if binding is None else (handler, name, nodes, *binding)
                return invoke(site, interp, frame, callee, args, kwargs, node)
        return apply(interp, frame, callee, args, kwargs, node)

    return evaluate


_FACTORIES: dict[type, Callable[[Any, Any], Evaluator]] = {
    ast.Constant: _constant, ast.Name: _name, ast.Tuple: _sequence, ast.List: _sequence, ast.Dict: _dict,
    ast.JoinedStr: _joined_str, ast.FormattedValue: _formatted_value, ast.Slice: _slice, ast.IfExp: _if_exp,
    ast.BoolOp: _bool_op, ast.UnaryOp: _unary_op, ast.BinOp: _bin_op, ast.Compare: _compare,
    ast.Attribute: _attribute, ast.Subscript: _subscript, ast.Call: _call,
}  # fmt: skip
