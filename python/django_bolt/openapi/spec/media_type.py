"""``OpenAPIMediaType``: one content type of a body: its schema and examples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import BaseSchemaObject
from .encoding import Encoding
from .example import Example
from .reference import Reference
from .schema import Schema


@dataclass
class OpenAPIMediaType(BaseSchemaObject):
    schema: Reference | Schema | None = None
    example: Any | None = None
    examples: dict[str, Example | Reference] | None = None
    encoding: dict[str, Encoding] | None = None


__all__ = ("OpenAPIMediaType",)
