"""``WebSocketTestClient``: a WebSocket to an API in process, through the same Rust code the
server runs (handshake checks, the handler, frames, ping/pong, close), over an in-memory
stream instead of a socket.

::

    async with WebSocketTestClient(api, "/ws/echo") as ws:
        await ws.send_text("hello")
        assert await ws.receive_text() == "hello"
"""

from __future__ import annotations

import asyncio
import base64
import functools
import itertools
import os
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import msgspec

from .. import _core
from ..api import BoltAPI
from ..websocket import CloseCode, WebSocketDisconnect
from ..websocket._sinks import sinks

#: Each client connects from a port of its own, so its handler's errors are told apart.
_PORTS = itertools.cycle(range(50000, 60000))
T = TypeVar("T")

#: Seconds ``connect()`` waits for the handler to accept or refuse (``handshake_timeout=``);
#: then the client gives up (``TimeoutError``) and leaves, and the handler sees it gone.
HANDSHAKE_TIMEOUT = 5.0


class HandshakeRejected(Exception):
    """The server answered the upgrade with an HTTP response instead of 101.

    Raised as a subclass that also says what kind of refusal it is, as the release's client
    raises: ``ValueError`` for no WebSocket route (404) and bad parameters (400, 422),
    ``PermissionError`` for authentication, guards, origin and rate limits (401, 403, 429)."""

    def __init__(
        self, status_code: int, headers: dict[str, str] | None = None, body: bytes = b"", path: str = ""
    ) -> None:
        self.status_code = status_code
        self.headers = headers or {}
        self.body = body
        self.path = path
        try:
            self.detail = msgspec.json.decode(body).get("detail") if body else None
        except (msgspec.DecodeError, AttributeError):
            self.detail = None
        super().__init__(self._message())

    def _message(self) -> str:
        return f"WebSocket handshake rejected with HTTP {self.status_code}: {self.body[:200]!r}"


class NoWebSocketRoute(HandshakeRejected, ValueError):
    """404: no WebSocket route (nor mounted ASGI app) takes the path."""

    def _message(self) -> str:
        return f"No WebSocket handler found for path: {self.path}"


class HandshakeDenied(HandshakeRejected, PermissionError):
    """401, 403 or 429: authentication, a guard, the origin check, a rate limit, or the handler
    closing before ``accept()``."""

    _WHY = {401: "Authentication required", 403: "Permission denied", 429: "Rate limit exceeded"}

    def _message(self) -> str:
        return f"WebSocket connection denied: {self._WHY[self.status_code]} (HTTP {self.status_code}: {self.detail})"


class HandshakeInvalid(HandshakeRejected, ValueError):
    """400 or 422: a parameter of the route (path, query, header, cookie) is missing or invalid."""

    def _message(self) -> str:
        if not isinstance(self.detail, list):
            return f"Invalid WebSocket request (HTTP {self.status_code}): {self.detail}"
        return f"Invalid WebSocket request (HTTP {self.status_code}): " + "; ".join(map(_describe, self.detail))


#: How the release names each parameter source in its messages.
_SOURCES = {"path": "Path parameter", "query": "Query parameter", "header": "Header", "cookie": "Cookie"}
#: The release's words for a value that does not convert, by our error type.
_INVALID = {"int_parsing": "Invalid integer", "float_parsing": "Invalid float", "bool_parsing": "Invalid boolean"}


def _describe(error: Any) -> str:
    """One 422 entry as ``Query parameter 'limit': Invalid integer 'abc' (<our message>)``."""
    if not isinstance(error, dict):
        return str(error)
    loc = error.get("loc") or []
    where = f"{_SOURCES.get(loc[0], loc[0])} {loc[1]!r}" if len(loc) >= 2 else ".".join(map(str, loc))
    msg = str(error.get("msg", ""))
    invalid = _INVALID.get(str(error.get("type")))
    if invalid and "input" in error:
        msg = f"{invalid} {str(error['input'])!r} ({msg})"
    return f"{where}: {msg}"


def _rejection(status: int, headers: dict[str, str], body: bytes, path: str) -> HandshakeRejected:
    kind = {404: NoWebSocketRoute, 400: HandshakeInvalid, 422: HandshakeInvalid}
    kind.update(dict.fromkeys((401, 403, 429), HandshakeDenied))
    return kind.get(status, HandshakeRejected)(status, headers, body, path)


class ConnectionClosed(WebSocketDisconnect):
    """The server closed the connection (``code``, ``reason`` from its close frame)."""


class WebSocketTestClient:
    """``async with WebSocketTestClient(api, path, headers=..., subprotocols=...) as ws``."""

    __test__ = False

    def __init__(
        self,
        api: BoltAPI | _core.App,
        path: str,
        headers: dict[str, str] | None = None,
        query_string: str = "",
        subprotocols: list[str] | None = None,
        client: tuple[str, int] | None = None,
        timeout: float = 5.0,
        *,
        cors_allowed_origins: list[str] | None = None,
        read_django_settings: bool = True,
        raise_server_exceptions: bool = True,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
    ) -> None:
        from .client import _app_of  # noqa: PLC0415 - client imports this module

        # The release's options, as TestClient takes them (origins are checked on the handshake).
        self.app = _app_of(api, cors_allowed_origins, read_django_settings)
        self.path = path + (f"?{query_string}" if query_string else "")
        self.headers = dict(headers or {})
        self.subprotocols = list(subprotocols or [])
        self.client = client or ("127.0.0.1", next(_PORTS))
        self.timeout = timeout
        self.handshake_timeout = handshake_timeout
        #: The handler's exception is raised in the test (as the release's client does): one
        #: before ``accept()`` by ``connect()`` instead of ``HandshakeRejected(500)``, one after
        #: it when the ``async with`` block ends. False: only the 500 / the 1011 close.
        self.raise_server_exceptions = raise_server_exceptions
        self._errors: list[BaseException] = []
        self._conn: Any = None
        self.response_headers: dict[str, str] = {}
        self.accepted_subprotocol: str | None = None
        self.close_code: int | None = None
        self.close_reason: str = ""

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        # The Rust calls block until the in-process server answers; keep the test's loop free.
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))

    def _request_headers(self) -> list[tuple[str, str]]:
        headers = {
            "host": "testserver",
            "upgrade": "websocket",
            "connection": "Upgrade",
            "sec-websocket-version": "13",
            "sec-websocket-key": base64.b64encode(os.urandom(16)).decode(),
        }
        if self.subprotocols:
            headers["sec-websocket-protocol"] = ", ".join(self.subprotocols)
        headers.update({k.lower(): v for k, v in self.headers.items()})
        return list(headers.items())

    async def connect(self) -> WebSocketTestClient:
        sinks[self.client] = self._errors
        try:
            status, headers, body, conn = await self._call(
                _core.test_websocket,
                self.app,
                self.path,
                self._request_headers(),
                self.client,
                self.handshake_timeout,
            )
        except BaseException:
            sinks.pop(self.client, None)
            raise
        self.response_headers = dict(headers)
        if conn is None:
            sinks.pop(self.client, None)
            if self._errors and self.raise_server_exceptions:
                raise self._errors[0]
            raise _rejection(status, self.response_headers, body, self.path.partition("?")[0])
        self._conn = conn
        self.accepted_subprotocol = self.response_headers.get("sec-websocket-protocol")
        return self

    async def __aenter__(self) -> WebSocketTestClient:
        return await self.connect()

    async def __aexit__(self, exc_type: Any, *exc: Any) -> None:
        try:
            if self._conn is not None and self.close_code is None:
                await self.close()
        finally:
            sinks.pop(self.client, None)
        if self._errors and self.raise_server_exceptions and exc_type is None:
            raise self._errors[0]

    @property
    def accepted(self) -> bool:
        return self._conn is not None

    @property
    def closed(self) -> bool:
        return self.close_code is not None

    def _open(self) -> Any:
        if self._conn is None:
            raise RuntimeError("not connected: use `async with WebSocketTestClient(...)`")
        if self.close_code is not None:
            raise ConnectionClosed(self.close_code, self.close_reason)
        return self._conn

    # ------------------------------------------------------------------ sending

    async def send_text(self, data: str) -> None:
        await self._call(self._open().send, 0, data)

    async def send_bytes(self, data: bytes) -> None:
        await self._call(self._open().send, 1, bytes(data))

    async def send_json(self, data: Any, mode: str = "text") -> None:
        encoded = msgspec.json.encode(data)
        if mode == "text":
            await self.send_text(encoded.decode())
        else:
            await self.send_bytes(encoded)

    async def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        """One raw frame (opcode 0 continuation, 1 text, 2 binary, ...), e.g. for fragments."""
        await self._call(self._open().send_frame, opcode, bytes(payload), fin)

    async def ping(self, payload: bytes = b"", timeout: float | None = None) -> bytes:
        """Sends a ping; returns the pong's payload (the server answers in Rust)."""
        return await self._call(self._open().ping, bytes(payload), timeout or self.timeout)

    # ------------------------------------------------------------------ receiving

    async def receive(self, timeout: float | None = None) -> str | bytes:
        """The next message; raises ``ConnectionClosed`` when the server closed."""
        try:
            item = await self._call(self._open().receive, timeout or self.timeout)
        except TimeoutError:
            raise
        if isinstance(item, tuple):
            self.close_code, self.close_reason = item
            raise ConnectionClosed(*item)
        return item

    async def receive_text(self, timeout: float | None = None) -> str:
        item = await self.receive(timeout)
        if not isinstance(item, str):
            raise TypeError(f"expected a text message, got {item!r}")
        return item

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        item = await self.receive(timeout)
        if not isinstance(item, bytes):
            raise TypeError(f"expected a binary message, got {item!r}")
        return item

    async def receive_json(self, timeout: float | None = None, mode: str = "text") -> Any:
        return msgspec.json.decode(await self.receive(timeout))

    async def _iter(self, receive: Callable[[float | None], Any], timeout: float | None) -> AsyncIterator[Any]:
        while True:
            try:
                yield await receive(timeout)
            except ConnectionClosed:
                return

    def iter_text(self, timeout: float | None = None) -> AsyncIterator[str]:
        return self._iter(self.receive_text, timeout)

    def iter_bytes(self, timeout: float | None = None) -> AsyncIterator[bytes]:
        return self._iter(self.receive_bytes, timeout)

    def iter_json(self, timeout: float | None = None) -> AsyncIterator[Any]:
        return self._iter(self.receive_json, timeout)

    async def wait_closed(self, timeout: float | None = None) -> int:
        """Reads until the server closes; returns its close code (messages are dropped)."""
        while self.close_code is None:
            try:
                await self.receive(timeout)
            except ConnectionClosed:
                break
        assert self.close_code is not None
        return self.close_code

    async def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Closes from the client side and waits for the server's close frame."""
        if self._conn is None or self.close_code is not None:
            return
        reply = await self._call(self._conn.close, int(code), reason, self.timeout)
        self.close_code, self.close_reason = reply


#: The release's other name for the client.
WebSocketClient = WebSocketTestClient

__all__ = [
    "WebSocketTestClient",
    "WebSocketClient",
    "HANDSHAKE_TIMEOUT",
    "HandshakeRejected",
    "NoWebSocketRoute",
    "HandshakeDenied",
    "HandshakeInvalid",
    "ConnectionClosed",
]
