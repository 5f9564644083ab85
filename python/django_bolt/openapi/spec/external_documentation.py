"""``ExternalDocumentation``: a link to documentation elsewhere (``externalDocs``)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class ExternalDocumentation(BaseSchemaObject):
    url: str
    description: str | None = None


__all__ = ("ExternalDocumentation",)
