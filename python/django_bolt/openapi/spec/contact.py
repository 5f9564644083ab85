"""``Contact``: who to reach about the API (``info.contact``)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class Contact(BaseSchemaObject):
    name: str | None = None
    url: str | None = None
    email: str | None = None


__all__ = ("Contact",)
