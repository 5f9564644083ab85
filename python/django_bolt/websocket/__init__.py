"""WebSockets: ``@api.websocket(path)`` handlers receive a ``WebSocket``.

::

    @api.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: str):
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(f"{room}: {text}")
"""

from __future__ import annotations

from .close_codes import (
    WS_1000_NORMAL_CLOSURE,
    WS_1001_GOING_AWAY,
    WS_1002_PROTOCOL_ERROR,
    WS_1003_UNSUPPORTED_DATA,
    WS_1007_INVALID_FRAME_PAYLOAD_DATA,
    WS_1008_POLICY_VIOLATION,
    WS_1009_MESSAGE_TOO_BIG,
    WS_1011_INTERNAL_ERROR,
    WS_1012_SERVICE_RESTART,
    WS_1013_TRY_AGAIN_LATER,
    CloseCode,
)
from .exceptions import WebSocketClose, WebSocketDisconnect, WebSocketException
from .handlers import get_websocket_param_name, is_websocket_handler, mark_websocket_handler, run_websocket_handler
from .state import WebSocketState
from .types import WebSocket

__all__ = [
    "WebSocket",
    "WebSocketState",
    "CloseCode",
    "WebSocketException",
    "WebSocketDisconnect",
    "WebSocketClose",
    "WS_1000_NORMAL_CLOSURE",
    "WS_1001_GOING_AWAY",
    "WS_1002_PROTOCOL_ERROR",
    "WS_1003_UNSUPPORTED_DATA",
    "WS_1007_INVALID_FRAME_PAYLOAD_DATA",
    "WS_1008_POLICY_VIOLATION",
    "WS_1009_MESSAGE_TOO_BIG",
    "WS_1011_INTERNAL_ERROR",
    "WS_1012_SERVICE_RESTART",
    "WS_1013_TRY_AGAIN_LATER",
    "is_websocket_handler",
    "mark_websocket_handler",
    "get_websocket_param_name",
    "run_websocket_handler",
]
