"""``License``: the API's license (``info.license``): an SPDX ``identifier`` or a ``url``."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BaseSchemaObject


@dataclass
class License(BaseSchemaObject):
    name: str
    identifier: str | None = None
    url: str | None = None


__all__ = ("License",)
