"""``RequestBody``: the body an operation takes, by content type."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject
from .media_type import OpenAPIMediaType


@dataclass
class RequestBody(BaseSchemaObject):
    content: dict[str, OpenAPIMediaType]
    description: str | None = None
    required: bool = False


__all__ = ("RequestBody",)
