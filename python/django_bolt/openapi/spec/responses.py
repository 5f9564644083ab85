"""``Responses``: an operation's answers by status code (``"200"``, ``"default"``)."""

from __future__ import annotations

from .reference import Reference
from .response import OpenAPIResponse

Responses = dict[str, OpenAPIResponse | Reference]

__all__ = ("Responses",)
