"""Per-module facts the front end needs: top-level definitions and what each imported name means.

`ModuleInfo.qualify(expr)` resolves `nl.ndarray` to `nki.language.ndarray`, `np.float32` to
`numpy.float32` and `helper` (from `from .utils import helper`) to `<pkg>.utils.helper`, purely from the
module's import statements. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from nki_compiler.frontend.parse import parse, reparse
from nki_compiler.frontend.walk import child_nodes, walk_with_parents
from nki_compiler.source import SourceFile, Span

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
T = TypeVar("T")


@dataclass
class StatementFacts:
    """What was computed about one top-level statement. A re-parse after an edit elsewhere reuses the
    statement's node, and with it these facts; they hold nodes and names, never offsets."""

    levels: list[list[ast.AST]] | None = None  # the statement's subtree, breadth-first, by depth
    parents: dict[int, ast.AST] | None = None  # kept only in a file being edited (memory)
    facts: dict[Hashable, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportedName:
    """`local` refers to `module` (absolute or relative with `level` dots), optionally `.attr` of it."""

    module: str
    level: int = 0
    attr: str | None = None
    node: ast.stmt | None = None


@dataclass
class ModuleInfo:
    source: SourceFile
    tree: ast.Module | None
    parse_diagnostics: tuple = ()
    definitions: dict[str, Definition] = field(default_factory=dict)
    imports: dict[str, ImportedName] = field(default_factory=dict)
    assignments: dict[str, ast.expr] = field(default_factory=dict)
    _nodes: list[ast.AST] | None = field(default=None, repr=False, compare=False)
    _parents: dict[int, ast.AST] | None = field(default=None, repr=False, compare=False)
    # id(expr) -> (expr, canonical name); holding expr keeps its id from being reused
    _canonical: dict[int, tuple[ast.expr, str | None]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _spans: dict[int, tuple[ast.AST, Span | None]] = field(default_factory=dict, repr=False, compare=False)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # per-module check caches
    # id(statement) -> (statement, facts) for top-level statements; inherited by the next version
    _statements: dict[int, tuple[ast.stmt, StatementFacts]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _imports_key: tuple | None = field(default=None, repr=False, compare=False)
    #: Made from an earlier version (the file is being edited): per-statement parent maps are kept too.
    edited: bool = field(default=False, repr=False, compare=False)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def nodes(self) -> list[ast.AST]:
        """Every node of the tree in `ast.walk` order, computed once (several passes need it)."""
        if self._nodes is None:
            self._nodes, self._parents = self._walk()
        return self._nodes

    @property
    def parents(self) -> dict[int, ast.AST]:
        """id(node) -> parent node for every node of the tree but the module, computed once."""
        if self._parents is None:
            self._nodes, self._parents = self._walk()
        return self._parents

    def _walk(self) -> tuple[list[ast.AST], dict[int, ast.AST]]:
        """`walk_with_parents(tree)`, merged from the walks of the top-level statements (kept per
        statement: after an edit only the statements it replaced are walked again)."""
        tree = self.tree
        if tree is None:
            return [], {}
        if tree.type_ignores or not self.edited:
            return walk_with_parents(tree)
        walks = [self.statement_walk(stmt) for stmt in tree.body]
        nodes: list[ast.AST] = [tree]
        parents: dict[int, ast.AST] = {}
        for stmt in tree.body:
            parents[id(stmt)] = tree
            parents.update(self.statement_parents(stmt))
        depth = max((len(levels) for levels in walks), default=0)
        for level in range(depth):
            for levels in walks:
                if level < len(levels):
                    nodes += levels[level]
        return nodes, parents

    def statement_facts(self, stmt: ast.stmt) -> StatementFacts:
        """The facts kept for a top-level statement of this tree."""
        entry = self._statements.get(id(stmt))
        if entry is not None and entry[0] is stmt:
            return entry[1]
        facts = StatementFacts()
        self._statements[id(stmt)] = (stmt, facts)
        return facts

    def statement_walk(self, stmt: ast.stmt) -> list[list[ast.AST]]:
        """A top-level statement's subtree breadth-first, by depth. Kept with the statement; read-only."""
        entry = self.statement_facts(stmt)
        if entry.levels is None:
            entry.levels = _levels(stmt)
        return entry.levels

    def statement_parents(self, stmt: ast.stmt) -> dict[int, ast.AST]:
        """id(node) -> parent for the nodes below a top-level statement (more entries may be present):
        kept with the statement in a file being edited, else the module's map. Read-only."""
        if not self.edited:
            return self.parents
        entry = self.statement_facts(stmt)
        if entry.parents is None:
            entry.parents = _parents(self.statement_walk(stmt))
        return entry.parents

    def statement_fact(self, stmt: ast.stmt, key: Hashable, compute: Callable[[ast.stmt], T]) -> T:
        """`compute(stmt)` for a top-level statement, kept while the statement is (also across versions).
        `key` names the fact and everything besides the statement's subtree it depends on (e.g.
        `imports_key`); the value must not depend on offsets, which an edit above the statement moves."""
        facts = self.statement_facts(stmt).facts
        if key in facts:
            return facts[key]  # type: ignore[no-any-return]
        value = facts[key] = compute(stmt)
        return value

    @property
    def imports_key(self) -> tuple:
        """What `qualify`/`canonical` read, as a hashable value."""
        if self._imports_key is None:
            self._imports_key = tuple(
                sorted((local, i.module, i.level, i.attr or "") for local, i in self.imports.items())
            )
        return self._imports_key

    def release_caches(self, keep_statements: bool = False) -> None:
        """Drop what the checks memoised (recomputed on demand): long-lived modules stay small. The
        per-statement facts may be kept for the file being edited (its next version inherits them)."""
        self._nodes = None
        self._parents = None
        self._spans = {}
        self._canonical = {}
        self.memo = {}
        if not keep_statements:
            self._statements = {}

    def span(self, node: ast.AST) -> Span | None:
        """`source.index.span_of_ast(node)`, memoised per node."""
        cached = self._spans.get(id(node))
        if cached is not None and cached[0] is node:
            return cached[1]
        span = self.source.index.span_of_ast(node)
        if span is not None:
            self._spans[id(node)] = (node, span)
        return span

    @classmethod
    def from_source(cls, source: SourceFile, previous: ModuleInfo | None = None) -> ModuleInfo:
        """The module of `source`; with the `previous` version of the file, only the statements an edit
        touched are parsed again and the others keep their nodes and per-statement facts."""
        tree = None
        if previous is not None and previous.tree is not None:
            old = previous.source
            try:
                tree = reparse(previous.tree, old.text, source.text, old.index.line_starts)
            except Exception:  # noqa: BLE001  (a shortcut that fails must not cost the diagnostics)
                tree = None
        if tree is not None:
            info = cls(source, tree, edited=True)
            assert previous is not None
            inherited = previous._statements
            for stmt in tree.body:
                entry = inherited.get(id(stmt))
                if entry is not None and entry[0] is stmt:
                    info._statements[id(stmt)] = entry
        else:
            result = parse(source)
            info = cls(source, result.tree, result.diagnostics, edited=previous is not None)
        if info.tree is not None:
            info._collect(info.tree.body)
        return info

    def _collect(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.definitions[stmt.name] = stmt
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.imports[alias.asname] = ImportedName(alias.name, node=stmt)
                    else:
                        top = alias.name.split(".")[0]
                        self.imports.setdefault(top, ImportedName(top, node=stmt))
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if alias.name != "*":
                        local = alias.asname or alias.name
                        self.imports[local] = ImportedName(stmt.module or "", stmt.level, alias.name, stmt)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    self._collect_assignment(target, stmt.value)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
                self.assignments[stmt.target.id] = stmt.value
            elif isinstance(stmt, (ast.If, ast.Try)):
                # `try: import x except ImportError: ...` and `if TYPE_CHECKING:` blocks at module level
                self._collect(stmt.body)
                for handler in getattr(stmt, "handlers", []):
                    self._collect(handler.body)
                self._collect(stmt.orelse)

    def _collect_assignment(self, target: ast.expr, value: ast.expr) -> None:
        """`NAME = value`, and `A, B = 1, 2` element-wise when both sides are literal tuples/lists."""
        if isinstance(target, ast.Name):
            self.assignments[target.id] = value
        elif (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
        ):
            for element, element_value in zip(target.elts, value.elts, strict=True):
                self._collect_assignment(element, element_value)

    def qualify(self, expr: ast.expr) -> str | None:
        """Dotted absolute name of a `Name`/`Attribute` chain rooted at an imported name, else None.

        Relative imports resolve against this module's package path (`.utils` -> `<pkg>.utils`) only
        as far as names go; `Workspace.resolve` finds the file.
        """
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        imported = self.imports.get(expr.id)
        if imported is None:
            return None
        base = ("." * imported.level) + imported.module
        if imported.attr:
            base = f"{base}.{imported.attr}" if imported.module else f"{base}{imported.attr}"
        return ".".join([base, *reversed(parts)])

    def canonical(self, expr: ast.expr) -> str | None:
        """`qualify`, with the legacy `neuronxcc.nki` namespace folded onto `nki`. Memoised per node."""
        cached = self._canonical.get(id(expr))
        if cached is not None and cached[0] is expr:
            return cached[1]
        name = self.qualify(expr)
        if name and name.startswith("neuronxcc.nki"):
            name = name[len("neuronxcc.") :]
        if hasattr(expr, "lineno"):  # a node of the tree; synthesized lookups are not kept
            self._canonical[id(expr)] = (expr, name)
        return name


def module_name_candidates(path: Path, module: str, level: int) -> list[Path]:
    """Files that an import of `module` (with `level` leading dots) from `path` may refer to."""
    parts = [p for p in module.split(".") if p]
    if level:
        base = path.parent
        for _ in range(level - 1):
            base = base.parent
        roots = [base]
    else:
        roots = list(path.parents)[:12]
    found: list[Path] = []
    for root in roots:
        target = root.joinpath(*parts) if parts else root
        found += [target.with_suffix(".py") if parts else target / "__init__.py", target / "__init__.py"]
    return found


def _levels(root: ast.AST) -> list[list[ast.AST]]:
    """`walk(root)` split by depth (`ast.walk` is breadth-first)."""
    levels: list[list[ast.AST]] = []
    level = [root]
    while level:
        levels.append(level)
        below: list[ast.AST] = []
        append, extend = below.append, below.extend
        for node in level:
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    append(value)
                elif isinstance(value, list):
                    extend(item for item in value if isinstance(item, ast.AST))
        level = below
    return levels


def _parents(levels: list[list[ast.AST]]) -> dict[int, ast.AST]:
    """id(node) -> parent for every node of a walk by depth but its root."""
    parents: dict[int, ast.AST] = {}
    for level in levels:
        for node in level:
            for child in child_nodes(node):
                parents[id(child)] = node
    return parents
