"""``OpenAPI``: the whole document. ``to_schema()`` is the JSON served at ``/docs/openapi.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import BaseSchemaObject
from .components import Components
from .external_documentation import ExternalDocumentation
from .info import Info
from .path_item import PathItem
from .reference import Reference
from .security_requirement import SecurityRequirement
from .server import Server
from .tag import Tag


@dataclass
class OpenAPI(BaseSchemaObject):
    info: Info
    openapi: str = "3.1.0"
    json_schema_dialect: str | None = None
    servers: list[Server] = field(default_factory=lambda: [Server(url="/")])
    paths: dict[str, PathItem] | None = None
    webhooks: dict[str, PathItem | Reference] | None = None
    components: Components = field(default_factory=Components)
    security: list[SecurityRequirement] | None = None
    tags: list[Tag] | None = None
    external_docs: ExternalDocumentation | None = None

    def _finish_schema(self, out: dict[str, Any]) -> dict[str, Any]:
        # The version first, as documents are read; no empty lists or components (an empty
        # ``security`` is a statement: no requirement).
        doc: dict[str, Any] = {"openapi": out.pop("openapi")}
        doc.update((key, value) for key, value in out.items() if value or key in ("paths", "security"))
        return doc


__all__ = ("OpenAPI",)
