"""``OpenAPIHeader``: a response (or encoding) header. A ``Parameter`` without ``name`` and
``in``: the header's name is its key in the ``headers`` map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .base import BaseSchemaObject
from .example import Example
from .media_type import OpenAPIMediaType
from .reference import Reference
from .schema import Schema

_NOT_IN_A_HEADER = frozenset({"name", "param_in", "allow_empty_value", "allow_reserved"})


@dataclass
class OpenAPIHeader(BaseSchemaObject):
    schema: Schema | Reference | None = None
    name: Literal[""] = ""
    param_in: Literal["header"] = "header"
    description: str | None = None
    required: bool = False
    deprecated: bool = False
    allow_empty_value: bool = False
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False
    example: Any | None = None
    examples: dict[str, Example | Reference] | None = None
    content: dict[str, OpenAPIMediaType] | None = None

    def _omitted_fields(self) -> frozenset[str]:
        return _NOT_IN_A_HEADER


__all__ = ("OpenAPIHeader",)
