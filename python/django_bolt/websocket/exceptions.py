"""WebSocket exceptions."""

from __future__ import annotations

from .close_codes import CloseCode


class WebSocketException(Exception):
    """A WebSocket error carrying a close code and reason."""

    def __init__(self, code: int = CloseCode.INTERNAL_ERROR, reason: str = "") -> None:
        self.code = int(code)
        self.reason = reason
        super().__init__(f"WebSocket closed with code {self.code}" + (f": {reason}" if reason else ""))


class WebSocketDisconnect(WebSocketException):
    """The connection is closed: raised by ``receive_*`` and ``send_*`` once the peer has gone.

    ``code`` is the peer's close code (1005 when it sent none, 1006 when the connection broke).
    """

    def __init__(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        super().__init__(code, reason)


class WebSocketClose(WebSocketException):
    """Raise in a handler to close the connection with ``code`` and ``reason``."""

    def __init__(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        super().__init__(code, reason)
