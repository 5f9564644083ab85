"""``Reference``: ``{"$ref": ...}`` to an object defined elsewhere (``#/components/schemas/Item``)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class Reference(BaseSchemaObject):
    ref: str
    summary: str | None = None
    description: str | None = None

    @property
    def value(self) -> str:
        """The referenced name: the last part of ``ref`` (``"Item"``)."""
        return self.ref.rsplit("/", 1)[-1]


__all__ = ("Reference",)
