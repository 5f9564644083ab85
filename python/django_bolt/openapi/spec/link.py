"""``Link``: an operation a response leads to, with the values to call it with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import BaseSchemaObject
from .server import Server


@dataclass
class Link(BaseSchemaObject):
    operation_ref: str | None = None
    operation_id: str | None = None
    parameters: dict[str, Any] | None = None
    request_body: Any | None = None
    description: str | None = None
    server: Server | None = None


__all__ = ("Link",)
