"""``Operation``: one method of one path: its parameters, body, responses and security."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import BaseSchemaObject
from .external_documentation import ExternalDocumentation
from .parameter import Parameter
from .reference import Reference
from .request_body import RequestBody
from .security_requirement import SecurityRequirement
from .server import Server


@dataclass
class Operation(BaseSchemaObject):
    tags: list[str] | None = None
    summary: str | None = None
    description: str | None = None
    external_docs: ExternalDocumentation | None = None
    operation_id: str | None = None
    parameters: list[Parameter | Reference] | None = None
    request_body: RequestBody | Reference | None = None
    #: ``Responses``: status -> ``OpenAPIResponse`` (or its JSON).
    responses: dict[str, Any] | None = None
    callbacks: dict[str, Any] | None = None
    deprecated: bool = False
    #: ``[]`` makes the operation open where the document requires security.
    security: list[SecurityRequirement] | None = None
    servers: list[Server] | None = None


__all__ = ("Operation",)
