"""What Beta-1 index grids (`nl.arange`, `nl.mgrid`) denote: affine forms over grid axes (NKI539/540).

A *root* creates a grid: `nl.arange(n)`, `nl.arange(a, b)[:, None]` (one axis of a broadcast pattern) or
`nl.mgrid[0:p, 0:f]` (all axes; destructured `a, b = ...` or an object with `.p`/`.x`). Grid values
flow through names (`i_p = p * T + i_p` rebinds), `+`, `-` and integer scaling; each value is an
`Affine` form: a constant part (source text of loop variables and sizes, plus an integer) and integer
coefficients on grid axes. A name whose binding cannot be pinned to one assignment, or a grid used
in any other way, evaluates to `UNSUPPORTED`, and the rewrite gives up on it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from nki_compiler.frontend.checks.base import FunctionContext
from nki_compiler.frontend.checks.migration_common import called, canonical, parent_of
from nki_compiler.frontend.walk import walk, walk_cached

ARANGE, MGRID = "nki.language.arange", "nki.language.mgrid"
TIGHT = (ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Call)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
OBJECT_AXES = {"p": 0, "x": 1}  # attributes of a 2-D `nl.mgrid` object


@dataclass(frozen=True, eq=False)
class Axis:
    root: ast.expr
    index: int
    start: ast.expr | None  # None: 0
    stop: ast.expr
    ndim: int | None  # None: a 1-D `nl.arange(n)` without a broadcast pattern


@dataclass(frozen=True)
class Offset:
    """`number + sum(sign * text)`: the part of an index that is no grid."""

    number: int = 0
    pieces: tuple[tuple[int, str], ...] = ()

    def plus(self, other: Offset, sign: int = 1) -> Offset:
        pieces = tuple((sign * s, t) for s, t in other.pieces)
        return Offset(self.number + sign * other.number, self.pieces + pieces)

    def scaled(self, factor: int) -> Offset:
        if factor == 1:
            return self
        pieces = tuple((s if factor > 0 else -s, f"{abs(factor)} * {t}") for s, t in self.pieces)
        return Offset(self.number * factor, pieces)

    def render(self) -> str | None:
        """Source text of the offset, None for zero."""
        parts: list[str] = []
        for sign, piece in self.pieces:
            parts.append(
                (piece if sign > 0 else f"-{piece}") if not parts else f"{'+' if sign > 0 else '-'} {piece}"
            )
        if self.number and parts:
            parts.append(f"{'+' if self.number > 0 else '-'} {abs(self.number)}")
        elif self.number:
            parts.append(str(self.number))
        return " ".join(parts) or None


@dataclass(frozen=True)
class Affine:
    offset: Offset = Offset()
    terms: tuple[tuple[Axis, int], ...] = ()

    def plus(self, other: Affine, sign: int = 1) -> Affine:
        coefficients = dict(self.terms)
        for axis, k in other.terms:
            coefficients[axis] = coefficients.get(axis, 0) + sign * k
        terms = tuple((a, k) for a, k in coefficients.items() if k)
        return Affine(self.offset.plus(other.offset, sign), terms)

    def scaled(self, factor: int) -> Affine:
        return Affine(self.offset.scaled(factor), tuple((a, k * factor) for a, k in self.terms if k * factor))

    @property
    def roots(self) -> set[int]:
        return {id(a.root) for a, _ in self.terms}


@dataclass(frozen=True)
class GridObject:
    """`nl.mgrid[...]` itself: a subscript takes all its axes, `.p`/`.x` one."""

    axes: tuple[Axis, ...]

    @property
    def roots(self) -> set[int]:
        return {id(a.root) for a in self.axes}


class Unsupported:
    roots: set[int] = set()


UNSUPPORTED = Unsupported()
Value = Affine | GridObject | Unsupported


def tight_text(ctx: FunctionContext, node: ast.expr) -> str:
    """Source text, parenthesized unless it binds at least as tightly as `*`."""
    text = ctx.text(node)
    tight = isinstance(node, TIGHT) or isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    return text if tight else f"({text})"


@dataclass
class GridModel:
    """Grid roots, tainted names and memoised values of one function (outermost definition)."""

    ctx: FunctionContext
    tainted: set[str] = field(default_factory=set)
    values: dict[int, Value] = field(default_factory=dict)
    roots: dict[int, bool] = field(default_factory=dict)
    mentions: dict[int, bool] = field(default_factory=dict)
    tainted_final: bool = False

    def root_axes(self, node: ast.AST) -> GridObject | Affine | None:
        """The grid a root expression creates, None when `node` is no root."""
        ctx = self.ctx
        if isinstance(node, ast.Subscript) and canonical(ctx, node.value) == MGRID:
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if not all(isinstance(p, ast.Slice) and p.upper is not None and p.step is None for p in parts):
                return None
            axes = tuple(Axis(node, i, p.lower, p.upper, len(parts)) for i, p in enumerate(parts))  # type: ignore[attr-defined,arg-type]
            return GridObject(axes)
        pattern: ast.expr | None = None
        call: ast.AST = node
        if isinstance(node, ast.Subscript) and called(ctx, node.value) == ARANGE:
            pattern, call = node.slice, node.value
        elif called(ctx, node) != ARANGE or _is_subscripted(ctx, node):
            return None
        assert isinstance(call, ast.Call)
        if (
            call.keywords
            or not 1 <= len(call.args) <= 2
            or any(isinstance(a, ast.Starred) for a in call.args)
        ):
            return None
        start, stop = (None, call.args[0]) if len(call.args) == 1 else (call.args[0], call.args[1])
        if pattern is None:
            return Affine(terms=((Axis(node, 0, start, stop, None), 1),))  # type: ignore[arg-type]
        parts = pattern.elts if isinstance(pattern, ast.Tuple) else [pattern]
        slices = [i for i, p in enumerate(parts) if isinstance(p, ast.Slice)]
        full = all(p.lower is None and p.upper is None and p.step is None for p in _slices(parts))
        nones = all(
            isinstance(p, ast.Constant) and p.value is None for p in parts if not isinstance(p, ast.Slice)
        )
        if len(slices) != 1 or not full or not nones:
            return None
        return Affine(terms=((Axis(node, slices[0], start, stop, len(parts)), 1),))  # type: ignore[arg-type]

    def is_root(self, node: ast.AST) -> bool:
        if not isinstance(node, (ast.Subscript, ast.Call)):
            return False
        known = self.roots.get(id(node))
        if known is None:
            known = self.roots[id(node)] = self.root_axes(node) is not None
        return known

    def mentions_grid(self, node: ast.AST) -> bool:
        """True when the value of `node` may be a grid (calls and tensor subscripts produce no grid)."""
        memo = self.mentions if self.tainted_final else None
        if memo is not None and id(node) in memo:
            return memo[id(node)]
        if self.is_root(node) or isinstance(node, ast.Name) and node.id in self.tainted:
            found = True
        elif isinstance(node, (ast.Call, ast.Subscript, ast.Lambda)):
            found = False
        else:
            found = any(self.mentions_grid(child) for child in ast.iter_child_nodes(node))
        if memo is not None:
            memo[id(node)] = found
        return found

    def value(self, node: ast.expr) -> Value:
        if isinstance(node, _AxisPick):
            return Affine(terms=((node.axis, 1),))
        memo = self.values.get(id(node))
        if memo is None:
            memo = self._evaluate(node)
            self.values[id(node)] = memo
        return memo

    def _evaluate(self, node: ast.expr) -> Value:
        root = self.root_axes(node)
        if root is not None:
            return root
        if not self.mentions_grid(node):
            return Affine(offset=_constant(self.ctx, node))
        if isinstance(node, ast.Name):
            definition = self.reaching_definition(node)
            return self.value(definition) if definition is not None else UNSUPPORTED
        if isinstance(node, ast.Attribute) and node.attr in OBJECT_AXES:
            grid = self.value(node.value)
            if isinstance(grid, GridObject) and len(grid.axes) == 2:
                return Affine(terms=((grid.axes[OBJECT_AXES[node.attr]], 1),))
            return UNSUPPORTED
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.value(node.operand)
            sign = -1 if isinstance(node.op, ast.USub) else 1
            return inner.scaled(sign) if isinstance(inner, Affine) else UNSUPPORTED
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        return UNSUPPORTED

    def _binary(self, node: ast.BinOp) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        if not isinstance(left, Affine) or not isinstance(right, Affine):
            return UNSUPPORTED
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return left.plus(right, -1 if isinstance(node.op, ast.Sub) else 1)
        if isinstance(node.op, ast.Mult):
            for grid, factor in ((left, right), (right, left)):
                if not factor.terms and not factor.offset.pieces:
                    return grid.scaled(factor.offset.number)
        return UNSUPPORTED

    # ---- names ---------------------------------------------------------------------------------

    def reaching_definition(self, load: ast.Name) -> ast.expr | None:
        """The value assigned to `load`'s name that reaches it, when exactly one assignment can."""
        scope = self.scope_of(load)
        stores = self.stores(scope, load.id)
        if not stores and scope is not self.ctx.function.node:
            outer = self.scope_of(scope)
            stores = self.stores(outer, load.id)
            if len(stores) != 1 or _position(stores[0]) > _position(load):
                return None
            return self.assigned_value(stores[0])
        earlier = [
            (store, statement)
            for store, statement in ((s, self.statement_of(s)) for s in stores)
            if statement is not None
            and _position(store) < _position(load)
            and self.ancestor_in(load, [statement]) is None
        ]
        if not earlier:
            return None
        store, statement = earlier[-1]
        block = self.block_of(statement)
        if block is None or self.ancestor_in(load, block) is None:
            return None  # the assignment does not run on every path to the use
        for loop in self._loops_around(load):
            runs_again = self._inside(statement, loop)
            if not runs_again and any(self._inside(s, loop) for s in stores):
                return None  # a later iteration sees an assignment made after the use
        return self.assigned_value(store)

    def _loops_around(self, node: ast.AST) -> list[ast.AST]:
        loops: list[ast.AST] = []
        current = parent_of(self.ctx, node)
        while current is not None and not isinstance(current, SCOPES):
            if isinstance(current, (ast.For, ast.AsyncFor, ast.While)):
                loops.append(current)
            current = parent_of(self.ctx, current)
        return loops

    def _inside(self, node: ast.AST, ancestor: ast.AST) -> bool:
        current: ast.AST | None = node
        while current is not None:
            if current is ancestor:
                return True
            current = parent_of(self.ctx, current)
        return False

    def assigned_value(self, store: ast.Name) -> ast.expr | None:
        """`x = value` → value; `a, b = nl.mgrid[...]` → the mgrid axis bound to the name."""
        parent = parent_of(self.ctx, store)
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is not None:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return parent.value if targets == [store] else None
        if isinstance(parent, ast.Tuple) and isinstance(parent_of(self.ctx, parent), ast.Assign):
            assign = parent_of(self.ctx, parent)
            grid = self.value(assign.value) if assign.targets == [parent] else None  # type: ignore[union-attr]
            if isinstance(grid, GridObject) and len(grid.axes) == len(parent.elts):
                return _AxisPick(grid.axes[parent.elts.index(store)], assign.value)  # type: ignore[union-attr]
        return None

    def stores(self, scope: ast.AST, name: str) -> list[ast.Name]:
        table = self._store_table()
        return table.get((id(scope), name), [])

    def _store_table(self) -> dict[tuple[int, str], list[ast.Name]]:
        table = getattr(self, "_stores", None)
        if table is None:
            table = {}
            for node in walk_cached(self.ctx.function.node):
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    table.setdefault((id(self.scope_of(node)), node.id), []).append(node)
            for names in table.values():
                names.sort(key=_position)
            self._stores = table
        return table

    def scope_of(self, node: ast.AST) -> ast.AST:
        current = parent_of(self.ctx, node)
        while (
            current is not None and current is not self.ctx.function.node and not isinstance(current, SCOPES)
        ):
            current = parent_of(self.ctx, current)
        return current if current is not None else self.ctx.function.node

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = parent_of(self.ctx, current)
        return current

    def block_of(self, statement: ast.stmt) -> list[ast.stmt] | None:
        parent = parent_of(self.ctx, statement)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(parent, name, None)
            if isinstance(block, list) and any(s is statement for s in block):
                return block
        return None

    def ancestor_in(self, node: ast.AST, block: list[ast.stmt]) -> ast.stmt | None:
        current: ast.AST | None = node
        while current is not None:
            if isinstance(current, ast.stmt) and any(s is current for s in block):
                return current
            current = parent_of(self.ctx, current)
        return None


class _AxisPick(ast.expr):
    """A synthetic expression: one axis of an `nl.mgrid` (memoised by identity like other nodes)."""

    def __init__(self, axis: Axis, source: ast.expr) -> None:
        super().__init__()
        self.axis, self.source = axis, source


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _constant(ctx: FunctionContext, node: ast.expr) -> Offset:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Offset(node.value)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return Offset(-node.operand.value)
    return Offset(
        pieces=((1, tight_text(ctx, node) if not isinstance(node, ast.BinOp) else _sum_text(ctx, node)),)
    )


def _sum_text(ctx: FunctionContext, node: ast.BinOp) -> str:
    text = ctx.text(node)
    return text if isinstance(node.op, (ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)) else f"({text})"


def model(ctx: FunctionContext) -> GridModel:
    cached = getattr(ctx, "_nki5_grid_model", None)
    if cached is None:
        cached = GridModel(ctx)
        cached.tainted = _tainted_names(cached)
        cached.tainted_final = True
        ctx._nki5_grid_model = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _tainted_names(grid: GridModel) -> set[str]:
    """Names that some assignment may bind to a grid (a fixpoint over all assignments)."""
    sources: list[tuple[ast.AST, list[str]]] = []
    for node in walk_cached(grid.ctx.function.node):
        value = (
            getattr(node, "value", None)
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr))
            else None
        )
        if isinstance(node, (ast.For, ast.AsyncFor)):
            value = node.iter
        if value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
        names = [n.id for t in targets for n in walk(t) if isinstance(n, ast.Name)]
        sources.append((value, names))
    while True:
        grown = {n for value, names in sources if grid.mentions_grid(value) for n in names} - grid.tainted
        if not grown:
            return grid.tainted
        grid.tainted |= grown


def _is_subscripted(ctx: FunctionContext, node: ast.AST) -> bool:
    parent = parent_of(ctx, node)
    return isinstance(parent, ast.Subscript) and parent.value is node


def _slices(parts: list[ast.expr]) -> list[ast.Slice]:
    return [p for p in parts if isinstance(p, ast.Slice)]
