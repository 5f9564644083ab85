"""``Discriminator``: the property whose value tells which schema of a ``oneOf`` a value is."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass(unsafe_hash=True)
class Discriminator(BaseSchemaObject):
    property_name: str
    mapping: dict[str, str] | None = None


__all__ = ("Discriminator",)
