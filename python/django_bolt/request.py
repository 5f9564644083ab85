"""``Request`` (implemented in Rust) and ``UploadFile``."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import IO, Any

from ._core import Request


def base_filename(name: str) -> str:
    """The last path component of a client-supplied file name, safe to join to a directory.

    Clients control the name: directory parts (``/`` and ``\\`` alike, whatever the server's
    OS), NULs and other control characters are dropped, and ``.``/``..`` become ``""``.
    """
    name = "".join(c for c in name if c >= " " and c != "\x7f")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "" if name in (".", "..") else name


class UploadFile:
    """An uploaded file; ``file`` is a binary file object over its content.

    ``filename`` is the client's file name reduced to a base name (see ``base_filename``);
    ``raw_filename`` is the name exactly as the client sent it.

    Files up to ``BOLT_MEMORY_SPOOL_THRESHOLD`` bytes are kept in memory (``file`` is a
    ``BytesIO``); larger ones are in a temporary file on disk (``file`` is that real file, ``path``
    its name), which is removed once the response has been produced.
    """

    def __init__(
        self,
        filename: str,
        content_type: str,
        data: bytes | None,
        headers: Mapping[str, str] | None = None,
        *,
        path: str | None = None,
        size: int | None = None,
    ) -> None:
        self.raw_filename = filename
        self.filename = base_filename(filename)
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.path = path
        self.file: IO[bytes]
        if path is not None:
            self.file = open(path, "rb")  # noqa: SIM115 - lives as long as the UploadFile
            self.size = size if size is not None else os.path.getsize(path)
        else:
            self.file = io.BytesIO(data or b"")
            self.size = len(data or b"")

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
