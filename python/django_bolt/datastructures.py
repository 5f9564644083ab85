"""``UploadFile``: an uploaded file, usable from sync and async handlers alike."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Generator, Mapping
from typing import IO, Any

DEFAULT_MAX_SPOOL_SIZE = 1024 * 1024


def base_filename(name: str) -> str:
    """The last path component of a client-supplied file name, safe to join to a directory.

    Clients control the name: directory parts (``/`` and ``\\`` alike, whatever the server's
    OS), NULs and other control characters are dropped, and ``.``/``..`` become ``""``.
    """
    name = "".join(c for c in name if c >= " " and c != "\x7f")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "" if name in (".", "..") else name


# read()/seek()/close() serve both styles: ``data = f.read()`` in a sync handler and
# ``data = await f.read()`` in an async one (the release's API). The file operation runs at
# call time; awaiting the result just hands it back.
class _AwaitableBytes(bytes):
    def __await__(self) -> Generator[Any, None, bytes]:
        return bytes(self)
        yield  # pragma: no cover - makes this a generator


class _AwaitableInt(int):
    def __await__(self) -> Generator[Any, None, int]:
        return int(self)
        yield  # pragma: no cover


class _Done:
    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return None
        yield  # pragma: no cover

    def __bool__(self) -> bool:
        return False  # like the None a plain close() returns

    def __repr__(self) -> str:
        return "None"


_DONE = _Done()


class UploadFile:
    """An uploaded file.

    ``filename`` is the client's file name reduced to a base name (see ``base_filename``);
    ``raw_filename`` is the name exactly as the client sent it. ``read``/``seek``/``write``/
    ``close`` work called plainly or awaited; ``aread``/``aseek``/``aclose`` are the async ones.
    ``file`` is a Django ``File`` over the content (``model.field.save(f.filename, f.file)``);
    ``raw_file`` the underlying binary file object.

    Uploads up to ``BOLT_MEMORY_SPOOL_THRESHOLD`` bytes are kept in memory; larger ones are in a
    temporary file on disk (``path`` is its name, ``rolled_to_disk`` is true), removed once the
    response has been produced.

    Built by hand (tests, helpers): ``UploadFile("a.txt", "text/plain", file_data=b"...")``;
    content above ``max_spool_size`` bytes is kept in a temporary file.
    """

    def __init__(
        self,
        filename: str,
        content_type: str = "application/octet-stream",
        size: int | None = None,
        headers: Mapping[str, str] | None = None,
        file_data: bytes | None = None,
        max_spool_size: int = DEFAULT_MAX_SPOOL_SIZE,
        *,
        path: str | None = None,
    ) -> None:
        self.raw_filename = filename
        self.filename = base_filename(filename)
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.path = path
        self._django_file: Any = None
        self._opened: IO[bytes] | None = None
        if path is not None:
            self.size = size if size is not None else os.path.getsize(path)
        else:
            data = file_data or b""
            if len(data) > max_spool_size:
                spooled = tempfile.SpooledTemporaryFile(max_size=max_spool_size)  # noqa: SIM115
                spooled.write(data)
                spooled.seek(0)
                self._opened = spooled  # type: ignore[assignment]
            else:
                self._opened = io.BytesIO(data)
            self.size = size if size is not None else len(data)

    @classmethod
    def _from_core(
        cls, filename: str, content_type: str, data: bytes | None, headers: Mapping[str, str], *, path=None, size=None
    ) -> UploadFile:
        # What the Rust form parser calls: content in memory, or the path of its spooled file.
        if path is not None:
            return cls(filename, content_type, size, headers, path=path)
        upload = cls.__new__(cls)
        upload.raw_filename = filename
        upload.filename = base_filename(filename)
        upload.content_type = content_type
        upload.headers = dict(headers)
        upload.path = None
        upload._django_file = None
        upload._opened = io.BytesIO(data or b"")  # no size check: Rust already chose memory
        upload.size = len(data or b"")
        return upload

    @classmethod
    def from_file_info(cls, info: Mapping[str, Any]) -> UploadFile:
        """From a dict with ``filename``, ``content_type``, ``size``, and ``content`` (bytes) or
        ``temp_path`` (a file on disk, opened, not read), plus optional ``headers``."""
        temp_path = info.get("temp_path")
        content = info.get("content")
        return cls(
            info.get("filename", ""),
            info.get("content_type", "application/octet-stream"),
            info.get("size", None if temp_path or content is None else len(content)),
            info.get("headers"),
            file_data=None if temp_path else content,
            path=temp_path,
        )

    @property
    def _io(self) -> IO[bytes]:
        # A spooled upload is opened on first use: a handler that never reads it costs no file
        # descriptor, and nothing is left open for the garbage collector to warn about.
        if self._opened is None:
            self._opened = open(self.path, "r+b")  # type: ignore[arg-type]  # noqa: SIM115
        return self._opened

    @property
    def _file(self) -> IO[bytes] | None:
        """The release's private name for the open file: None until a spooled upload is first
        used (read-only; ``raw_file`` opens it)."""
        return self._opened

    @property
    def _temp_path(self) -> str | None:
        """The release's private name for ``path``."""
        return self.path

    @property
    def raw_file(self) -> IO[bytes]:
        return self._io

    @property
    def file(self) -> Any:
        """A Django ``File`` over the content, named ``filename`` (for FileField/ImageField)."""
        if self._django_file is None:
            from django.core.files import File as DjangoFile  # noqa: PLC0415 - Django loads lazily

            self._django_file = DjangoFile(self._io, name=self.filename)
        return self._django_file

    @property
    def rolled_to_disk(self) -> bool:
        if self.path is not None:
            return True
        return bool(getattr(self._io, "_rolled", False))  # a SpooledTemporaryFile that rolled

    def read(self, size: int = -1) -> bytes:
        return _AwaitableBytes(self._io.read(size))

    def seek(self, offset: int, whence: int = 0) -> int:
        return _AwaitableInt(self._io.seek(offset, whence))

    def write(self, data: bytes) -> int:
        return _AwaitableInt(self._io.write(data))

    def close(self) -> None:
        self.close_sync()
        return _DONE  # type: ignore[return-value]

    def close_sync(self) -> None:
        if self._opened is None:  # never opened: stand in a closed file, so reads now fail
            self._opened = io.BytesIO()
        self._opened.close()

    async def aread(self, size: int = -1) -> bytes:
        return self._io.read(size)

    async def aseek(self, offset: int, whence: int = 0) -> int:
        return self._io.seek(offset, whence)

    async def aclose(self) -> None:
        self.close_sync()

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size})"


__all__ = ["DEFAULT_MAX_SPOOL_SIZE", "UploadFile", "base_filename"]
