"""``OAuthFlows``: the OAuth 2 flows an ``oauth2`` security scheme supports."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject
from .oauth_flow import OAuthFlow


@dataclass
class OAuthFlows(BaseSchemaObject):
    implicit: OAuthFlow | None = None
    password: OAuthFlow | None = None
    client_credentials: OAuthFlow | None = None
    authorization_code: OAuthFlow | None = None


__all__ = ("OAuthFlows",)
