"""AST traversal in the orders of `ast.walk` and `ast.iter_child_nodes`, returned as lists.

The standard helpers are generators over `ast.iter_fields`; building lists directly is about twice as
fast, and the front end walks every kernel function several times (bench/check_bench.py measures it).
"""

from __future__ import annotations

import ast

_AST = ast.AST


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """Direct children, in field order (same as `list(ast.iter_child_nodes(node))`)."""
    children: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, _AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend(item for item in value if isinstance(item, _AST))
    return children


def walk(root: ast.AST) -> list[ast.AST]:
    """`root` and all its descendants, breadth-first (same order as `list(ast.walk(root))`)."""
    nodes = [root]
    append, extend = nodes.append, nodes.extend
    for node in nodes:  # the list grows while it is iterated: that is the breadth-first queue
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, _AST):
                append(value)
            elif isinstance(value, list):
                extend(item for item in value if isinstance(item, _AST))
    return nodes


def walk_with_parents(root: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """`walk(root)` and the map id(node) -> parent of every descendant, in one pass."""
    nodes = [root]
    parents: dict[int, ast.AST] = {}
    append = nodes.append
    for node in nodes:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, _AST):
                append(value)
                parents[id(value)] = node
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _AST):
                        append(item)
                        parents[id(item)] = node
    return nodes, parents


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_CACHE_LIMIT = 2048
_SCOPE_CACHE: dict[int, tuple[ast.AST, list[ast.AST]]] = {}
_WALK_CACHE: dict[int, tuple[ast.AST, list[ast.AST]]] = {}


def scope_nodes(node: ast.AST) -> list[ast.AST]:
    """Descendants of `node` without entering nested functions, lambdas or classes (which are included
    themselves), in depth-first order, last child first. Memoised per node: treat the list as read-only."""
    cached = _SCOPE_CACHE.get(id(node))
    if cached is not None and cached[0] is node:  # the identity check guards against id() reuse
        return cached[1]
    found: list[ast.AST] = []
    stack = child_nodes(node)
    while stack:
        child = stack.pop()
        found.append(child)
        if not isinstance(child, _SCOPES):
            stack.extend(child_nodes(child))
    _remember(_SCOPE_CACHE, node, found)
    return found


def walk_cached(root: ast.AST) -> list[ast.AST]:
    """`walk(root)`, memoised per node (for subtrees that several checks walk). Read-only."""
    cached = _WALK_CACHE.get(id(root))
    if cached is not None and cached[0] is root:
        return cached[1]
    return _remember(_WALK_CACHE, root, walk(root))


def _remember(
    cache: dict[int, tuple[ast.AST, list[ast.AST]]], node: ast.AST, nodes: list[ast.AST]
) -> list[ast.AST]:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[id(node)] = (node, nodes)
    return nodes


_PARENTS_CACHE: dict[int, tuple[ast.AST, dict[int, ast.AST]]] = {}


def parents_within(root: ast.AST) -> dict[int, ast.AST]:
    """id(node) -> parent for every descendant of `root` (`root` itself has none). Memoised, read-only."""
    cached = _PARENTS_CACHE.get(id(root))
    if cached is not None and cached[0] is root:
        return cached[1]
    parents: dict[int, ast.AST] = {}
    for parent in walk_cached(root):
        for child in child_nodes(parent):
            parents[id(child)] = parent
    if len(_PARENTS_CACHE) >= _CACHE_LIMIT:
        _PARENTS_CACHE.clear()
    _PARENTS_CACHE[id(root)] = (root, parents)
    return parents


_REGISTERED: list[dict] = [_SCOPE_CACHE, _WALK_CACHE, _PARENTS_CACHE]


def register_cache(cache: dict) -> dict:
    """Have `clear_caches` empty `cache` too (a per-node memo elsewhere in the front end)."""
    _REGISTERED.append(cache)
    return cache


def clear_caches() -> None:
    """Forget every memoised traversal and per-node memo (they keep their trees alive until then)."""
    for cache in _REGISTERED:
        cache.clear()
