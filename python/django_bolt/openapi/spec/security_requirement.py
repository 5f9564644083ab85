"""``SecurityRequirement``: ``{"schemeName": ["scope", ...]}``, the schemes an operation accepts."""

from __future__ import annotations

SecurityRequirement = dict[str, list[str]]

__all__ = ("SecurityRequirement",)
