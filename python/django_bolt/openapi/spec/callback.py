"""``Callback``: the requests an API may make back, by runtime expression (``"{$request.body#/url}"``)."""

from __future__ import annotations

from .path_item import PathItem
from .reference import Reference

Callback = dict[str, PathItem | Reference]

__all__ = ("Callback",)
