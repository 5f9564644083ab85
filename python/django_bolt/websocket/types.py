"""``WebSocket``: what a ``@api.websocket`` handler receives.

Every method talks to the Rust connection: messages wait in Rust until ``receive_*`` takes
them, and ``send_*`` hands them to Rust, which writes the frames.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from .close_codes import CloseCode
from .exceptions import WebSocketDisconnect
from .state import WebSocketState

_TEXT, _BYTES, _CLOSE = 0, 1, 2
_QUEUED, _FULL, _CLOSED = 0, 1, 2


class WebSocket:
    """One WebSocket connection. ``await websocket.accept()`` before sending or receiving."""

    __slots__ = ("_conn", "_state", "_close_code", "_connect_given", "_headers", "_cookies", "state_data")

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._state = WebSocketState.CONNECTING
        self._close_code: int | None = None
        self._connect_given = False
        self._headers: dict[str, str] | None = None
        self._cookies: dict[str, str] | None = None
        #: Free-form per-connection storage for the handler.
        self.state_data: dict[str, Any] = {}

    # ------------------------------------------------------------------ request data

    @property
    def state(self) -> WebSocketState:
        return self._state

    @property
    def accepted(self) -> bool:
        return self._state is not WebSocketState.CONNECTING

    @property
    def path(self) -> str:
        return self._conn.path

    @property
    def query_string(self) -> bytes:
        """The query string as sent, without ``?`` (bytes, as in an ASGI scope)."""
        return self._conn.query_string.encode()

    @property
    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self._conn.query_string, keep_blank_values=True))

    @property
    def scheme(self) -> str:
        """``"wss"`` behind TLS (a trusted proxy's ``X-Forwarded-Proto: https``), else ``"ws"``."""
        return self._conn.scheme

    @property
    def raw_headers(self) -> list[tuple[str, str]]:
        """Every request header as ``(lowercase name, value)``, repeated ones kept apart."""
        return self._conn.headers

    @property
    def path_params(self) -> dict[str, str]:
        return self._conn.path_params

    @property
    def headers(self) -> dict[str, str]:
        """Request headers with lowercase names (repeated headers joined with ``, ``)."""
        if self._headers is None:
            headers: dict[str, str] = {}
            for name, value in self._conn.headers:
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            self._headers = headers
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            from http.cookies import SimpleCookie

            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(self.headers.get("cookie", ""))
            except Exception:  # noqa: BLE001 - a malformed Cookie header means no cookies
                pass
            self._cookies = {k: m.value for k, m in jar.items()}
        return self._cookies

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return self._conn.subprotocols

    @property
    def client(self) -> tuple[str, int] | None:
        return self._conn.client

    @property
    def url(self) -> str:
        host = self.headers.get("host", "")
        query = self._conn.query_string
        return f"{self._conn.scheme}://{host}{self.path}{'?' + query if query else ''}"

    # ------------------------------------------------------------------ handshake

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        """Accepts the connection (the 101 response). ``subprotocol`` must be one the client
        offered; ``headers`` are extra ``(name, value)`` pairs for the 101 response."""
        if self._state is not WebSocketState.CONNECTING:
            return
        pairs = [(_text(k), _text(v)) for k, v in (headers.items() if isinstance(headers, dict) else headers or ())]
        self._conn.accept(subprotocol, pairs)
        self._state = WebSocketState.CONNECTED

    # ------------------------------------------------------------------ receiving

    async def _next(self) -> str | bytes:
        if self._state is WebSocketState.CONNECTING:
            raise RuntimeError("call accept() before receiving")
        if self._state is WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(self._close_code or CloseCode.NORMAL)
        loop = asyncio.get_running_loop()
        while True:
            future = loop.create_future()
            item = self._conn.receive(future)
            if item is not None:
                break
            await future  # woken when a message is queued; it is taken on the next turn
        if isinstance(item, tuple):
            self._state = WebSocketState.DISCONNECTED
            self._close_code = item[0]
            raise WebSocketDisconnect(item[0], item[1])
        return item

    async def receive(self) -> dict[str, Any]:
        """The next message as ``{"type": "websocket.receive", "text" | "bytes": ...}``; a close
        raises ``WebSocketDisconnect``. Before ``accept()``, the first call gives
        ``{"type": "websocket.connect"}`` (the ASGI handshake event)."""
        if self._state is WebSocketState.CONNECTING and not self._connect_given:
            self._connect_given = True
            return {"type": "websocket.connect"}
        item = await self._next()
        key = "text" if isinstance(item, str) else "bytes"
        return {"type": "websocket.receive", key: item}

    async def receive_text(self) -> str:
        """The next message as text; a binary message is decoded as UTF-8. One that is not valid
        UTF-8 closes the connection with 1007 (invalid payload data) and raises
        ``WebSocketDisconnect``: it is the client's fault, not a handler crash."""
        item = await self._next()
        if isinstance(item, str):
            return item
        try:
            return item.decode()
        except UnicodeDecodeError:
            reason = "binary message is not valid UTF-8"
            await self.close(CloseCode.INVALID_FRAME_PAYLOAD_DATA, reason)
            raise WebSocketDisconnect(CloseCode.INVALID_FRAME_PAYLOAD_DATA, reason) from None

    async def receive_bytes(self) -> bytes:
        item = await self._next()
        return item if isinstance(item, bytes) else item.encode()

    async def receive_json(self, mode: str = "text") -> Any:
        """The next message decoded as JSON (from a text or binary message alike)."""
        _check_mode(mode)
        return msgspec.json.decode(await self._next())

    async def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            return

    async def iter_json(self) -> AsyncIterator[Any]:
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            return

    # ------------------------------------------------------------------ sending

    async def _push(self, kind: int, data: Any) -> None:
        if self._state is WebSocketState.CONNECTING:
            raise RuntimeError("call accept() before sending")
        if self._state is WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(self._close_code or CloseCode.ABNORMAL_CLOSURE)
        status = self._conn.send(kind, data)
        if status == _FULL:
            # The client reads slower than the handler writes: wait for room.
            future = asyncio.get_running_loop().create_future()
            self._conn.send_wait(kind, data, future)
            status = _QUEUED if await future else _CLOSED
        if status == _CLOSED:
            self._state = WebSocketState.DISCONNECTED
            self._close_code = self._close_code or CloseCode.ABNORMAL_CLOSURE
            raise WebSocketDisconnect(self._close_code)

    async def send(self, message: dict[str, Any]) -> None:
        """Sends an ASGI-style message: ``websocket.send`` with ``text`` or ``bytes``, or
        ``websocket.close`` with ``code`` and ``reason``."""
        kind = message.get("type")
        if kind == "websocket.close":
            await self.close(message.get("code", CloseCode.NORMAL), message.get("reason", ""))
        elif kind == "websocket.send" and message.get("text") is not None:
            await self.send_text(message["text"])
        elif kind == "websocket.send" and message.get("bytes") is not None:
            await self.send_bytes(message["bytes"])
        else:
            raise ValueError(f"cannot send {message!r}")

    async def send_text(self, data: str) -> None:
        if not isinstance(data, str):
            raise TypeError(f"send_text() takes str, not {type(data).__name__}")
        await self._push(_TEXT, data)

    async def send_bytes(self, data: bytes | bytearray | memoryview) -> None:
        await self._push(_BYTES, bytes(data))

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Sends ``data`` as JSON in a text message (``mode="binary"``: a binary one)."""
        _check_mode(mode)
        encoded = msgspec.json.encode(data)
        if mode == "text":
            await self._push(_TEXT, encoded.decode())
        else:
            await self._push(_BYTES, encoded)

    async def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Closes the connection. Before ``accept()`` this refuses the handshake (HTTP 403)."""
        if self._state is WebSocketState.CONNECTING:
            self._conn.refuse()
            self._state = WebSocketState.DISCONNECTED
            self._close_code = int(code)
            return
        if self._state is WebSocketState.DISCONNECTED:
            return
        data = (int(code), reason)
        status = self._conn.send(_CLOSE, data)
        self._state = WebSocketState.DISCONNECTED
        self._close_code = int(code)
        if status == _FULL:
            future = asyncio.get_running_loop().create_future()
            self._conn.send_wait(_CLOSE, data, future)
            await future


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise ValueError(f"mode must be 'text' or 'binary', not {mode!r}")
