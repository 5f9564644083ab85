"""``Request`` (implemented in Rust) and ``UploadFile``."""

from __future__ import annotations

from ._core import Request
from .datastructures import UploadFile, base_filename

__all__ = ["Request", "UploadFile", "base_filename"]
