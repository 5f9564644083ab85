"""``Request`` (implemented in Rust) and ``UploadFile``."""

from __future__ import annotations

from typing import Any

from ._core import Request
from .datastructures import UploadFile, base_filename


def is_request(request: Any) -> bool:
    """True for the ``Request`` a handler (or dependency, guard, middleware) is given; False for
    anything else, e.g. a Django ``HttpRequest``."""
    return isinstance(request, Request)


__all__ = ["Request", "UploadFile", "base_filename", "is_request"]
