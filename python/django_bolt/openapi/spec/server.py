"""``Server``: a base URL the API is reached at (``servers``)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject
from .server_variable import ServerVariable


@dataclass
class Server(BaseSchemaObject):
    url: str
    description: str | None = None
    variables: dict[str, ServerVariable] | None = None


__all__ = ("Server",)
