"""``Info``: the API's title, version and description (``info``)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject
from .contact import Contact
from .license import License


@dataclass
class Info(BaseSchemaObject):
    title: str
    version: str
    summary: str | None = None
    description: str | None = None
    terms_of_service: str | None = None
    contact: Contact | None = None
    license: License | None = None


__all__ = ("Info",)
