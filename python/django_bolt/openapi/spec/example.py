"""``Example``: a named example value (``examples`` of parameters, media types, components).

``id`` is the key the example is listed under; it is not part of the object itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import BaseSchemaObject


@dataclass
class Example(BaseSchemaObject):
    id: str | None = None
    summary: str | None = None
    description: str | None = None
    value: Any | None = None
    external_value: str | None = None


__all__ = ("Example",)
