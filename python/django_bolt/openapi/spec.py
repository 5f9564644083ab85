"""Small value objects of the OpenAPI document that ``OpenAPIConfig`` takes (servers, tags, contact,
license, external docs). Each turns into its JSON object with ``to_dict()``; plain dicts are
accepted wherever these are."""

from __future__ import annotations

import dataclasses
from typing import Any

# OpenAPI field names that are not valid Python names as written in the document.
_RENAMED = {
    "terms_of_service": "termsOfService",
    "external_docs": "externalDocs",
    "security_scheme_in": "in",
    "bearer_format": "bearerFormat",
    "open_id_connect_url": "openIdConnectUrl",
}


def to_json(value: Any) -> Any:
    """``value`` as the JSON the document holds: spec objects become dicts without their unset
    (``None``) fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _RENAMED.get(f.name, f.name): to_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


class _Spec:
    def to_dict(self) -> dict[str, Any]:
        return to_json(self)


@dataclasses.dataclass
class Contact(_Spec):
    name: str | None = None
    url: str | None = None
    email: str | None = None


@dataclasses.dataclass
class License(_Spec):
    name: str
    identifier: str | None = None
    url: str | None = None


@dataclasses.dataclass
class ExternalDocumentation(_Spec):
    url: str
    description: str | None = None


@dataclasses.dataclass
class ServerVariable(_Spec):
    default: str
    enum: list[str] | None = None
    description: str | None = None


@dataclasses.dataclass
class Server(_Spec):
    url: str
    description: str | None = None
    variables: dict[str, ServerVariable] | None = None


@dataclasses.dataclass
class Tag(_Spec):
    name: str
    description: str | None = None
    external_docs: ExternalDocumentation | None = None


@dataclasses.dataclass
class Components(_Spec):
    """Extra components merged into the generated ones (e.g. more ``security_schemes``)."""

    schemas: dict[str, Any] = dataclasses.field(default_factory=dict)
    responses: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None
    examples: dict[str, Any] | None = None
    request_bodies: dict[str, Any] | None = None
    headers: dict[str, Any] | None = None
    security_schemes: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = to_json(self)
        for snake, camel in (("request_bodies", "requestBodies"), ("security_schemes", "securitySchemes")):
            if snake in out:
                out[camel] = out.pop(snake)
        return {k: v for k, v in out.items() if v}


@dataclasses.dataclass
class SecurityScheme(_Spec):
    """A security scheme for ``Components(security_schemes={name: SecurityScheme(...)})``."""

    type: str
    description: str | None = None
    name: str | None = None
    #: ``in`` of the document (a Python keyword): query, header or cookie.
    security_scheme_in: str | None = None
    scheme: str | None = None
    bearer_format: str | None = None
    flows: Any = None
    open_id_connect_url: str | None = None


#: ``{"schemeName": ["scope", ...]}``.
SecurityRequirement = dict[str, list[str]]

__all__ = [
    "Components",
    "Contact",
    "ExternalDocumentation",
    "License",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "ServerVariable",
    "Tag",
]
