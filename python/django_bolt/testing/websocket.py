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
import os
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import msgspec

from .. import _core
from ..api import BoltAPI
from ..websocket import CloseCode, WebSocketDisconnect

_CLIENT = ("127.0.0.1", 50000)
T = TypeVar("T")


class HandshakeRejected(Exception):
    """The server answered the upgrade with an HTTP response instead of 101."""

    def __init__(self, status_code: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body
        try:
            self.detail = msgspec.json.decode(body).get("detail") if body else None
        except (msgspec.DecodeError, AttributeError):
            self.detail = None
        super().__init__(f"WebSocket handshake rejected with HTTP {status_code}: {body[:200]!r}")


class HandshakeDenied(HandshakeRejected, PermissionError):
    """The upgrade was refused by authentication, a guard or a rate limit (401, 403, 429): also a
    ``PermissionError``, which the release's client raises then."""


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
        client: tuple[str, int] = _CLIENT,
        timeout: float = 5.0,
        *,
        cors_allowed_origins: list[str] | None = None,
        read_django_settings: bool = True,
    ) -> None:
        from .client import _app_of  # noqa: PLC0415 - client imports this module

        # The release's options, as TestClient takes them (origins are checked on the handshake).
        self.app = _app_of(api, cors_allowed_origins, read_django_settings)
        self.path = path + (f"?{query_string}" if query_string else "")
        self.headers = dict(headers or {})
        self.subprotocols = list(subprotocols or [])
        self.client = client
        self.timeout = timeout
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
        status, headers, body, conn = await self._call(
            _core.test_websocket, self.app, self.path, self._request_headers(), self.client
        )
        self.response_headers = dict(headers)
        if conn is None:
            rejected = HandshakeDenied if status in (401, 403, 429) else HandshakeRejected
            raise rejected(status, self.response_headers, body)
        self._conn = conn
        self.accepted_subprotocol = self.response_headers.get("sec-websocket-protocol")
        return self

    async def __aenter__(self) -> WebSocketTestClient:
        return await self.connect()

    async def __aexit__(self, *exc: Any) -> None:
        if self._conn is not None and self.close_code is None:
            await self.close()

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


__all__ = ["WebSocketTestClient", "HandshakeRejected", "ConnectionClosed"]
