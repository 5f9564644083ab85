"""Response classes. Anything else a handler returns is encoded as JSON."""

from __future__ import annotations

import datetime as _dt
import inspect
import os
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from . import _core
from .streaming.chunks import as_bytes
from .streaming.sse import ServerSentEvent, encode_sse_chunk

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11

_SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
#: The ``expires`` of a cookie being deleted.
COOKIE_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


def _check_cookie_part(what: str, value: str) -> str:
    if any(c in value for c in "\r\n;\0"):
        raise ValueError(f"cookie {what} must not contain ';', CR, LF or NUL: {value!r}")
    return value


_COOKIE_CODEC = SimpleCookie()


def _cookie_value(value: str) -> str:
    """``value`` as Django writes it (quoted, with backslash escapes, when it holds a space,
    ``;``, ``,``, a quote...: ``SimpleCookie``'s coded value). A control character or a
    character outside Latin-1 cannot be sent in a header: a ``ValueError`` naming it."""
    bad = next((c for c in value if c < " " or c == "\x7f" or c > "\xff"), None)
    if bad is not None:
        raise ValueError(f"cookie value must not contain {bad!r} (a control or non-Latin-1 character): {value!r}")
    return _COOKIE_CODEC.value_encode(value)[1]


def format_set_cookie(
    key: str,
    value: str = "",
    max_age: int | None = None,
    expires: _dt.datetime | str | int | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | bool | None = "lax",
) -> str:
    """The value of one ``Set-Cookie`` header; names, values and attributes are checked."""
    if not key:
        raise ValueError("a cookie needs a name")
    parts = [f"{_check_cookie_part('name', key)}={_cookie_value(str(value))}"]
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    if expires is not None:
        if isinstance(expires, _dt.datetime):
            expires = _core.format_cookie_date(expires)
        elif isinstance(expires, int):
            expires = _core.format_cookie_date(_dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=expires))
        # Django's spelling (attribute names are case-insensitive).
        parts.append(f"expires={_check_cookie_part('expires', expires)}")
    if path:
        parts.append(f"Path={_check_cookie_part('path', path)}")
    if domain:
        parts.append(f"Domain={_check_cookie_part('domain', domain)}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite:  # None or False: no SameSite attribute
        try:
            parts.append(f"SameSite={_SAMESITE[str(samesite).lower()]}")
        except KeyError:
            raise ValueError("samesite must be 'lax', 'strict' or 'none'") from None
    return "; ".join(parts)


def delete_cookie_header(key: str, path: str | None = "/", domain: str | None = None) -> str:
    """A ``Set-Cookie`` value that makes the browser drop the cookie at once."""
    return format_set_cookie(
        key,
        "",
        max_age=0,
        expires=COOKIE_EPOCH,
        path=path,
        domain=domain,
        secure=needs_secure(key),
    )


def needs_secure(key: str) -> bool:
    """Browsers ignore a ``__Secure-``/``__Host-`` cookie without ``Secure``, and so its deletion
    (Django marks those deletions ``Secure`` too)."""
    return key.startswith(("__Secure-", "__Host-"))


def _cookie_name(key: str | None, name: str | None) -> str:
    if (key is None) == (name is None):
        raise TypeError("give the cookie's name once (key, or name=)")
    return key if key is not None else name  # type: ignore[return-value]


class CookieMixin:
    """``set_cookie``/``delete_cookie`` (chainable) and the ``Set-Cookie`` values they collect, for
    a response class that initialises ``_raw_cookies`` and ``_cookies`` to empty lists."""

    _raw_cookies: list[str]
    #: The ``Cookie``s added by ``set_cookie``/``delete_cookie``, in order (as the release).
    _cookies: list[Any]

    @property
    def cookies(self) -> list[str]:
        """Every ``Set-Cookie`` value to send: headers given as strings (a converted Django
        response's), then the ``Cookie``s of ``set_cookie``/``delete_cookie``."""
        if not self._cookies:
            return self._raw_cookies
        return [*self._raw_cookies, *(c.to_header_value() for c in self._cookies)]

    @cookies.setter
    def cookies(self, values: list[str]) -> None:
        self._raw_cookies = list(values)
        self._cookies = []

    def _add_cookie(self, cookie: Any) -> Self:
        cookie.to_header_value()  # a bad name or value fails here, in the handler, not when sent
        self._cookies.append(cookie)
        return self

    def set_cookie(
        self,
        key: str | None = None,
        value: str = "",
        max_age: int | None = None,
        expires: _dt.datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
        *,
        name: str | None = None,
    ) -> Self:
        """Adds a ``Set-Cookie`` header; returns the response, so calls chain. ``name=`` is the
        release's spelling of ``key``."""
        from .cookies import Cookie

        return self._add_cookie(
            Cookie(_cookie_name(key, name), value, max_age, expires, path, domain, secure, httponly, samesite)
        )

    def delete_cookie(
        self, key: str | None = None, path: str | None = "/", domain: str | None = None, *, name: str | None = None
    ) -> Self:
        """Expires the cookie in the browser; returns the response, so calls chain."""
        from .cookies import make_delete_cookie

        return self._add_cookie(make_delete_cookie(_cookie_name(key, name), path, domain))


class Response(CookieMixin):
    """A response with explicit content, status, headers and media type.

    ``content`` may be bytes, str, or any JSON-encodable value.
    """

    media_type: str | None = None

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.content = content
        self.status_code = int(status_code)
        self.headers: dict[str, str] = dict(headers) if headers else {}
        if media_type is not None:
            self.media_type = media_type
        self._raw_cookies: list[str] = []
        #: The ``Cookie``s added by ``set_cookie``/``delete_cookie``, in order (as the release).
        self._cookies: list[Any] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, media_type={self.media_type!r})"


class JSON(Response):
    """``JSON(data, status_code=200, headers=None)``: data encoded with msgspec."""

    media_type = "application/json"

    def __init__(self, data: Any = None, status_code: int = 200, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(data, status_code, headers)


class PlainText(Response):
    media_type = "text/plain"

    def __init__(self, text: str = "", status_code: int = 200, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(text, status_code, headers)


class HTML(Response):
    media_type = "text/html"

    def __init__(self, html: str = "", status_code: int = 200, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(html, status_code, headers)


class Redirect(Response):
    """A redirect; 307 keeps the method and body, as the public API documents."""

    def __init__(self, url: str, status_code: int = 307, headers: Mapping[str, str] | None = None) -> None:
        if any(c in url for c in "\r\n\0"):
            raise ValueError("redirect URL must not contain CR, LF or NUL")
        merged = dict(headers) if headers else {}
        merged["location"] = url
        super().__init__(b"", status_code, merged)
        self.url = url


class _FileBase(Response):
    """A file named by path; Rust refuses (403) a path with a ``..`` component or a NUL byte and,
    with ``BOLT_ALLOWED_FILE_PATHS``, any file outside those directories; then opens it and answers
    conditional (``If-None-Match``/``If-Modified-Since`` → 304) and ``Range`` requests."""

    in_memory = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        media_type: str | None = None,
        filename: str | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(None, status_code, headers, media_type)
        self.path = os.fspath(path)
        #: When set, the response is an attachment with this (RFC 6266/5987-encoded) name.
        self.filename = filename


class File(_FileBase):
    """``File(path, filename=None, media_type=None)``: the file is read into memory and sent with a
    Content-Length. ``Content-Type`` is guessed from the file name unless ``media_type`` is given."""

    in_memory = True

    def read_bytes(self) -> bytes:
        with open(self.path, "rb") as f:
            return f.read()


class FileResponse(_FileBase):
    """``FileResponse(path, filename=None, media_type=None)``: streamed from disk by Rust in fixed-size
    pieces (no Python per chunk), so large files use little memory."""


def _check_iterable(content: Any) -> None:
    if inspect.isgeneratorfunction(content) or inspect.isasyncgenfunction(content):
        raise TypeError(
            "StreamingResponse takes a generator object. Call your generator function with parentheses: "
            "gen() rather than gen"
        )
    if not (hasattr(content, "__iter__") or hasattr(content, "__aiter__")) or isinstance(content, (str, bytes)):
        raise TypeError(
            "StreamingResponse content must be a generator instance, or another iterable or async iterable "
            f"of chunks, not {type(content).__name__}"
        )


class StreamingResponse(Response):
    """``StreamingResponse(iterable, media_type=...)``: each chunk (bytes or str) from a sync or async
    iterable/generator is written as it is produced. If the client disconnects, the iterator is
    closed (``close()``/``aclose()``), so its ``finally`` blocks run."""

    media_type = "application/octet-stream"

    def __init__(
        self,
        content: Any,
        *,
        status_code: int = 200,
        media_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        _check_iterable(content)
        super().__init__(content, status_code, headers, media_type)
        self.is_async_generator = hasattr(content, "__aiter__")
        if (self.media_type or "").startswith("text/event-stream"):
            _event_stream_headers(self.headers)

    def encode_chunk(self, chunk: Any) -> bytes:
        return as_bytes(chunk)


def _event_stream_headers(headers: dict[str, str]) -> None:
    present = {k.lower() for k in headers}
    # Events must reach the client as they happen: no caching, no proxy buffering.
    if "cache-control" not in present:
        headers["cache-control"] = "no-cache"
    if "x-accel-buffering" not in present:
        headers["x-accel-buffering"] = "no"


#: The comment a Server-Sent Events stream sends to keep an idle connection open (the server
#: writes this constant, ``_core.SSE_KEEPALIVE_COMMENT``).
SSE_KEEPALIVE_COMMENT: bytes = _core.SSE_KEEPALIVE_COMMENT
#: Seconds of silence after which ``EventSourceResponse`` sends that comment, by default.
SSE_DEFAULT_PING_INTERVAL: float = 15.0


class EventSourceResponse(StreamingResponse):
    """Server-Sent Events. The iterator yields ``ServerSentEvent``s, dicts/objects (sent as one JSON
    ``data:`` event each) or preformatted str/bytes. A ``: ping`` comment is sent whenever the
    iterator has been silent for ``ping_interval`` seconds (None: never)."""

    def __init__(
        self,
        content: Any,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        ping_interval: float | None = SSE_DEFAULT_PING_INTERVAL,
    ) -> None:
        super().__init__(content, status_code=status_code, media_type="text/event-stream", headers=headers)
        self.ping_interval = ping_interval

    #: A plain function, so the stream's pump calls it with no method frame in between.
    encode_chunk = staticmethod(encode_sse_chunk)


__all__ = [
    "CookieMixin",
    "SSE_DEFAULT_PING_INTERVAL",
    "SSE_KEEPALIVE_COMMENT",
    "Response",
    "JSON",
    "PlainText",
    "HTML",
    "Redirect",
    "File",
    "FileResponse",
    "StreamingResponse",
    "EventSourceResponse",
    "ServerSentEvent",
]
