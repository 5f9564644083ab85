"""``Paths``: the document's operations, by path (``{"/items/{id}": PathItem(...)}``)."""

from __future__ import annotations

from .path_item import PathItem

Paths = dict[str, PathItem]

__all__ = ("Paths",)
