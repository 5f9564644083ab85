"""``Components``: the reusable parts of the document (schemas, security schemes, ...).

Given to ``OpenAPIConfig(components=...)``, its entries are added to the generated ones (a
schema or security scheme of the same name replaces the generated one). Empty maps are left
out of the document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import BaseSchemaObject


@dataclass
class Components(BaseSchemaObject):
    schemas: dict[str, Any] = field(default_factory=dict)
    responses: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None
    examples: dict[str, Any] | None = None
    request_bodies: dict[str, Any] | None = None
    headers: dict[str, Any] | None = None
    security_schemes: dict[str, Any] | None = None
    links: dict[str, Any] | None = None
    callbacks: dict[str, Any] | None = None
    path_items: dict[str, Any] | None = None

    def _finish_schema(self, out: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in out.items() if value}


__all__ = ("Components",)
