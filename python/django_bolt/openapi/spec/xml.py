"""``XML``: how a schema's value is written as XML (element name, namespace, attribute)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class XML(BaseSchemaObject):
    name: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    attribute: bool = False
    wrapped: bool = False


__all__ = ("XML",)
