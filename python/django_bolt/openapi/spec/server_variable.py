"""``ServerVariable``: a ``{name}`` in a server URL, its default and allowed values."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class ServerVariable(BaseSchemaObject):
    default: str
    enum: list[str] | None = None
    description: str | None = None


__all__ = ("ServerVariable",)
