"""In-process test clients that run requests through the real Rust pipeline."""

from .client import AsyncTestClient, BoltTestClientWarning, TestClient
from .dbshare import SharedTestConnectionError
from .websocket import ConnectionClosed, HandshakeDenied, HandshakeRejected, WebSocketTestClient

__all__ = [
    "TestClient",
    "AsyncTestClient",
    "WebSocketTestClient",
    "HandshakeRejected",
    "HandshakeDenied",
    "ConnectionClosed",
    "BoltTestClientWarning",
    "SharedTestConnectionError",
]
