"""``OAuthFlow``: the URLs and scopes of one OAuth 2 flow."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class OAuthFlow(BaseSchemaObject):
    authorization_url: str | None = None
    token_url: str | None = None
    refresh_url: str | None = None
    scopes: dict[str, str] | None = None


__all__ = ("OAuthFlow",)
