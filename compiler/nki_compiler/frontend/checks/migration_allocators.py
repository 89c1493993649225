"""NKI547 fixes for Beta-1 hand allocation (`nki.compiler.sbuf.mod_alloc`, `nki.compiler.psum.mod_alloc`).

`buffer=<mod_alloc call>` pins a tile at an address (and rotates its blocks over a few buffers); 0.6 lets the
compiler place tiles (`buffer=nl.sbuf` / `nl.psum`). Every tile then gets its own memory, so the values are
the same unless the kernel relied on two tiles sharing memory: an unsafe fix that says so. The allocator is
recognised through a module-level alias (`sb_mod = ncc.sbuf.mod_alloc`) and through a method of a
module-level instance whose every `return` is such a call (`allocator.allocate(...)`). Once no kernel uses
the alias, the alias and the host code that only served it (its classes, their instances) are deleted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nki_compiler.diagnostics.model import Applicability, Edit, Fix
from nki_compiler.frontend.checks.base import FunctionContext, ModuleContext, on
from nki_compiler.frontend.checks.migration_common import (
    ALLOCATORS,
    called,
    canonical,
    keyword,
    line_start,
    module_alias,
)
from nki_compiler.source import Span

MOD_ALLOC_BUFFERS = {"nki.compiler.sbuf.mod_alloc": "sbuf", "nki.compiler.psum.mod_alloc": "psum"}


def placed_buffer_fix(
    ctx: FunctionContext, call: ast.Call, allocation: ast.Call | None = None
) -> tuple[Fix, ...]:
    """`buffer=<allocator call>` of an `nl.ndarray`/`nl.zeros`/... → `buffer=nl.sbuf` (or `nl.psum`)."""
    if allocation is None:
        owner = ctx.parent(call)
        parent = ctx.parent(owner) if isinstance(owner, ast.keyword) else None
        allocation = parent if isinstance(parent, ast.Call) else None
    buffer = keyword(allocation, "buffer") if allocation is not None else None
    kind, nl = allocator_buffer(ctx, call), module_alias(ctx, "nki.language")
    if kind is None or nl is None or buffer is None or buffer.value is not call:
        return ()
    if allocation is None or (called(ctx, allocation) or "") not in ALLOCATORS:
        return ()
    new = f"{nl}.{kind}"
    title = f"Let the compiler place the tile: `buffer={new}` (check: no tiles were meant to share memory)"
    return (Fix(title, (Edit(ctx.span(call), new),), Applicability.UNSAFE),)


@on(ast.Call)
def allocator_through_host_code(ctx: FunctionContext, node: ast.AST) -> None:
    """`buffer=sb_mod(...)` or `buffer=allocator.allocate(...)`: the allocator reached through host names
    (direct `ncc.sbuf.mod_alloc(...)` calls are reported by migration_tiles.py)."""
    assert isinstance(node, ast.Call)
    if called(ctx, node) not in ALLOCATORS:
        return
    buffer = keyword(node, "buffer")
    value = buffer.value if buffer is not None else None
    if not isinstance(value, ast.Call) or _direct_kind(ctx, value) is not None:
        return
    if allocator_buffer(ctx, value) is not None:
        ctx.report("NKI547", value, fixes=placed_buffer_fix(ctx, value, node))


def allocator_buffer(ctx: ModuleContext, call: ast.Call) -> str | None:
    """ "sbuf"/"psum" when `call` certainly invokes a legacy `mod_alloc` allocator, else None."""
    direct = _direct_kind(ctx, call)
    if direct is not None:
        return direct
    func = call.func
    if isinstance(func, ast.Name):
        return _alias_kind(ctx, func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return _method_kind(ctx, func.value.id, func.attr)
    return None


def _direct_kind(ctx: ModuleContext, call: ast.Call) -> str | None:
    return MOD_ALLOC_BUFFERS.get(canonical(ctx, call.func) or "")


def _module_value(ctx: ModuleContext, name: str) -> ast.expr | None:
    """The value of the only module-level binding of `name` (a plain `name = value`), else None."""
    tree = ctx.module.tree
    if tree is None:
        return None
    values = [
        stmt.value
        for stmt in tree.body
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _binds(stmt, name)
    ]
    defined = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef)) and s.name == name]
    return values[0] if len(values) == 1 and not defined and values[0] is not None else None


def _binds(stmt: ast.stmt, name: str) -> bool:
    if isinstance(stmt, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    return (
        isinstance(stmt, (ast.AnnAssign, ast.AugAssign))
        and isinstance(stmt.target, ast.Name)
        and (stmt.target.id == name)
    )


def _alias_kind(ctx: ModuleContext, name: str) -> str | None:
    value = _module_value(ctx, name)
    if isinstance(value, (ast.Name, ast.Attribute)):
        return MOD_ALLOC_BUFFERS.get(canonical(ctx, value) or "")
    return None


def _method_kind(ctx: ModuleContext, instance: str, method: str) -> str | None:
    """`instance = Cls()` at module level; every `return` of `Cls.method` is an allocator call."""
    value = _module_value(ctx, instance)
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return None
    cls = _top_level_class(ctx, value.func.id)
    body = cls.body if cls is not None else []
    function = next((f for f in body if isinstance(f, ast.FunctionDef) and f.name == method), None)
    if function is None:
        return None
    kinds = set()
    for returned in _returns(function):
        kind = _returned_kind(ctx, returned)
        if kind is None:
            return None
        kinds.add(kind)
    return kinds.pop() if len(kinds) == 1 else None


def _returned_kind(ctx: ModuleContext, value: ast.expr | None) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Name):
        return _direct_kind(ctx, value) or _alias_kind(ctx, value.func.id)
    return _direct_kind(ctx, value)


def _top_level_class(ctx: ModuleContext, name: str) -> ast.ClassDef | None:
    tree = ctx.module.tree
    found = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == name] if tree else []
    return found[0] if len(found) == 1 else None


def _returns(function: ast.FunctionDef) -> Iterator[ast.expr | None]:
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            yield node.value
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


# ---- deleting the allocator once unused ----------------------------------------------------------


def unused_allocator_fix(ctx: ModuleContext, node: ast.expr) -> tuple[Fix, ...]:
    """`sb_mod = ncc.sbuf.mod_alloc` at module level, no longer used by any kernel: delete it together with
    the module-level classes and instances that only exist to call it."""
    tree = ctx.module.tree
    statement = next((s for s in tree.body if _contains(s, node)), None) if tree else None
    if tree is None or not isinstance(statement, ast.Assign) or statement.value is not node:
        return ()
    dead = _served_only_allocator(tree, statement)
    if not dead:
        return ()
    text = ctx.module.source.text
    spans: list[Span] = []
    for stmt in dead:
        span = ctx.span(stmt)
        start = line_start(text, span.start)
        end = _line_end(text, span.end)
        rest = text[span.end : end].strip()
        if text[start : span.start].strip() or (rest and not rest.startswith("#")):
            return ()  # shares its lines with other code
        end = _trailing_lines_end(text, end, span.start - start)
        if spans and start <= spans[-1].end:
            spans[-1] = Span(spans[-1].start, max(end, spans[-1].end))
        else:
            spans.append(Span(start, end))
    edits = tuple(Edit(span, "") for span in spans)
    names = ", ".join(f"`{n}`" for stmt in dead for n in _defined(stmt))
    title = f"Delete the legacy allocator code {names} (check: no other module imports these names)"
    return (Fix(title, edits, Applicability.UNSAFE),)


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end + 1


def _trailing_lines_end(text: str, end: int, column: int) -> int:
    """Also delete the comments indented under the statement (a class body's last lines) and blank lines."""
    while end < len(text):
        line = text[end : _line_end(text, end)]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped and not (stripped.startswith("#") and indent > column):
            break
        end = _line_end(text, end)
    return end


def _contains(stmt: ast.stmt, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(stmt))


def _defined(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.ClassDef):
        return [stmt.name]
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return []


def _served_only_allocator(tree: ast.Module, alias: ast.Assign) -> list[ast.stmt]:
    """The alias statement plus the classes/assignments reaching it, when nothing else refers to them."""
    dead: list[ast.stmt] = [alias]
    names = set(_defined(alias))
    if not names:
        return []
    changed = True
    while changed:
        changed = False
        for stmt in tree.body:
            if any(stmt is d for d in dead) or not _reads(stmt) & names:
                continue
            defined = _defined(stmt)
            if not defined:
                return []  # a kernel, a function or other code still uses it
            dead.append(stmt)
            names |= set(defined)
            changed = True
    outside = set().union(*(_reads(s) for s in tree.body if not any(s is d for d in dead)))
    decorated = any(isinstance(s, ast.ClassDef) and s.decorator_list for s in dead)
    if outside & names or decorated:
        return []
    return sorted(dead, key=lambda s: s.lineno)


def _reads(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
