"""Where a WebSocket connection stands: ``websocket.state`` moves forward only, from
``CONNECTING`` (handshake not answered) to ``CONNECTED`` (after ``accept()``) to
``DISCONNECTED`` (closed by either side, or refused before the 101)."""

from __future__ import annotations

import enum


class WebSocketState(enum.IntEnum):
    """Ordered as a connection goes through them (integers, as in the release)."""

    CONNECTING = 1
    CONNECTED = 2
    DISCONNECTED = 3
