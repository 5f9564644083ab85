"""``Tag``: a group of operations, with its description (``tags``)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject
from .external_documentation import ExternalDocumentation


@dataclass
class Tag(BaseSchemaObject):
    name: str
    description: str | None = None
    external_docs: ExternalDocumentation | None = None


__all__ = ("Tag",)
