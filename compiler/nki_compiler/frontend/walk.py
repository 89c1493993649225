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
