"""``Parameter``: a path, query, header or cookie parameter of an operation.

``param_in`` is the document's ``in``. ``allow_empty_value`` and ``allow_reserved`` exist only
for query parameters and are left out of any other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import BaseSchemaObject
from .example import Example
from .media_type import OpenAPIMediaType
from .reference import Reference
from .schema import Schema

_QUERY_ONLY = frozenset({"allow_empty_value", "allow_reserved"})


@dataclass
class Parameter(BaseSchemaObject):
    name: str
    param_in: str
    schema: Schema | Reference | None = None
    description: str | None = None
    required: bool = False
    deprecated: bool = False
    allow_empty_value: bool = False
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False
    example: Any | None = None
    examples: Mapping[str, Example | Reference] | None = None
    content: dict[str, OpenAPIMediaType] | None = None

    def _omitted_fields(self) -> frozenset[str]:
        return frozenset() if self.param_in == "query" else _QUERY_ONLY


__all__ = ("Parameter",)
