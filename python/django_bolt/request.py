"""``Request`` (implemented in Rust) and ``UploadFile``."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ._core import Request


class UploadFile:
    """An uploaded file. The content is in memory; ``file`` is a binary file object over it."""

    def __init__(self, filename: str, content_type: str, data: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.filename = filename
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.size = len(data)
        self.file = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    async def aread(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    async def aseek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def close(self) -> None:
        self.file.close()

    async def aclose(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size})"

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


__all__ = ["Request", "UploadFile"]
