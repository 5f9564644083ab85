"""``SecurityScheme``: a way credentials are given (``components.securitySchemes``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .base import BaseSchemaObject


@dataclass
class SecurityScheme(BaseSchemaObject):
    type: Literal["apiKey", "http", "mutualTLS", "oauth2", "openIdConnect"]
    description: str | None = None
    #: The header, query or cookie name of an ``apiKey`` scheme.
    name: str | None = None
    #: The document's ``in`` (a Python keyword): ``"query"``, ``"header"`` or ``"cookie"``.
    security_scheme_in: Literal["query", "header", "cookie"] | None = None
    #: The HTTP auth scheme of an ``http`` scheme (``"bearer"``, ``"basic"``).
    scheme: str | None = None
    bearer_format: str | None = None
    #: ``OAuthFlows`` (or its JSON) of an ``oauth2`` scheme.
    flows: Any = None
    open_id_connect_url: str | None = None


__all__ = ("SecurityScheme",)
