"""``Encoding``: how one property of a multipart or form body is sent (its content type, headers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import BaseSchemaObject

if TYPE_CHECKING:
    from .header import OpenAPIHeader
    from .reference import Reference


@dataclass
class Encoding(BaseSchemaObject):
    content_type: str | None = None
    headers: dict[str, OpenAPIHeader | Reference] | None = None
    style: str | None = None
    explode: bool = False
    allow_reserved: bool = False


__all__ = ("Encoding",)
