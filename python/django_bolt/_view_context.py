"""The view request and action being handled, as context variables (the release's module; set by
class-based views for each request)."""

from __future__ import annotations

import contextvars
from typing import Any

_current_request: contextvars.ContextVar[Any] = contextvars.ContextVar("_current_request")
_current_action: contextvars.ContextVar[str] = contextvars.ContextVar("_current_action")

__all__ = ["_current_action", "_current_request"]
