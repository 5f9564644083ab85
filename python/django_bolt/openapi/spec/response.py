"""``OpenAPIResponse``: one answer of an operation: description, headers, content, links."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject
from .header import OpenAPIHeader
from .link import Link
from .media_type import OpenAPIMediaType
from .reference import Reference


@dataclass
class OpenAPIResponse(BaseSchemaObject):
    description: str
    headers: dict[str, OpenAPIHeader | Reference] | None = None
    content: dict[str, OpenAPIMediaType] | None = None
    links: dict[str, Link | Reference] | None = None


__all__ = ("OpenAPIResponse",)
