"""A mounted ASGI app's WebSocket side: the upgrade as an ASGI ``websocket`` scope, and the
app's ``receive``/``send`` events carried out on the bolt connection.

The handshake stays the server's: the 101 goes out when the app sends ``websocket.accept``
(its subprotocol must be one the client offered), a ``websocket.close`` before that refuses the
upgrade with 403, and an exception before it is a 500. Frames, ping/pong, compression and the
close handshake are Rust's, as for ``@api.websocket`` routes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ._sinks import report_unhandled
from .close_codes import CloseCode
from .exceptions import WebSocketDisconnect
from .types import WebSocket

logger = logging.getLogger("django_bolt")


class ClientDisconnected(OSError):
    """``send`` after the client left: the ASGI spec asks servers for an ``OSError`` here."""


def websocket_scope(websocket: WebSocket, root_path: str) -> dict[str, Any]:
    """The ASGI ``websocket`` scope of an upgrade, for an app mounted at ``root_path``."""
    path = websocket.path
    host = websocket.headers.get("host", "")
    name, _, port = host.rpartition(":")
    if not port.isdigit():
        name, port = host, ""
    secure = websocket.scheme == "wss"
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": websocket.scheme,
        "path": path,
        "raw_path": quote(path, safe="/:@!$&'()*+,;=-._~").encode("ascii"),
        "query_string": websocket.query_string,
        "root_path": root_path,
        # Header values are the bytes as sent (Rust reads them as latin-1), names lowercase.
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in websocket.raw_headers],
        "client": list(websocket.client) if websocket.client else None,
        "server": [name or "localhost", int(port) if port else (443 if secure else 80)],
        "subprotocols": list(websocket.subprotocols),
        "state": {},
    }


class _Events:
    """``receive`` and ``send`` of one connection, in ASGI's event vocabulary."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.disconnect: dict[str, Any] | None = None

    async def receive(self) -> dict[str, Any]:
        if self.disconnect is not None:
            return self.disconnect
        try:
            return await self.websocket.receive()
        except WebSocketDisconnect as exc:
            self.disconnect = {"type": "websocket.disconnect", "code": exc.code, "reason": exc.reason}
            return self.disconnect

    async def send(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        websocket = self.websocket
        if kind == "websocket.accept":
            await websocket.accept(message.get("subprotocol"), message.get("headers") or ())
            return
        if kind not in ("websocket.send", "websocket.close"):
            raise ValueError(f"ASGI app sent {kind!r} on a WebSocket connection")
        try:
            await websocket.send(message)
        except WebSocketDisconnect as exc:
            raise ClientDisconnected(f"the WebSocket client left (code {exc.code})") from exc


def asgi_websocket(app: Callable[..., Any], root_path: str, where: str) -> Callable[..., Any]:
    """The entry Rust calls with the connection for an upgrade to a mounted ``app``."""

    async def mounted_websocket(conn: Any) -> int | None:
        websocket = WebSocket(conn)
        events = _Events(websocket)
        try:
            await app(websocket_scope(websocket, root_path), events.receive, events.send)
        except ClientDisconnected:
            return None
        except Exception as exc:
            report_unhandled(websocket, exc)
            if not websocket.accepted:
                raise  # answered as the upgrade's 500
            logger.exception("Unhandled exception in WebSocket app %s", where)
            return CloseCode.INTERNAL_ERROR
        return None

    mounted_websocket.__qualname__ = f"websocket mount {where}"
    return mounted_websocket
