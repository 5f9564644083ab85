"""Reading names out of Python syntax trees, shared by the static analysis of handlers
(``analysis``) and the discovery of ``BoltAPI`` instances in source (``api_names``)."""

from __future__ import annotations

import ast


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attribute accesses ending in a name; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
