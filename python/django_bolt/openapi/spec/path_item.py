"""``PathItem``: the operations of one path, one field per method (``query`` is OpenAPI 3.2's
QUERY method). ``extensions`` are written as ``x-`` keys of the object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import BaseSchemaObject
from .operation import Operation
from .parameter import Parameter
from .reference import Reference
from .server import Server

#: The methods a path item has a field for, in the document's order.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")


@dataclass
class PathItem(BaseSchemaObject):
    ref: str | None = None
    summary: str | None = None
    description: str | None = None
    get: Operation | None = None
    put: Operation | None = None
    post: Operation | None = None
    delete: Operation | None = None
    options: Operation | None = None
    head: Operation | None = None
    patch: Operation | None = None
    trace: Operation | None = None
    query: Operation | None = None
    servers: list[Server] | None = None
    parameters: list[Parameter | Reference] | None = None
    extensions: dict[str, Any] | None = None

    def _omitted_fields(self) -> frozenset[str]:
        return frozenset({"extensions"})

    def _finish_schema(self, out: dict[str, Any]) -> dict[str, Any]:
        for key, value in (self.extensions or {}).items():
            out[key if key.startswith("x-") else f"x-{key}"] = value
        return out


__all__ = ("PathItem",)
