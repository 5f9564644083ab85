"""In-process test clients that run requests through the real Rust pipeline."""

from .client import AsyncTestClient, TestClient
from .websocket import ConnectionClosed, HandshakeRejected, WebSocketTestClient

__all__ = ["TestClient", "AsyncTestClient", "WebSocketTestClient", "HandshakeRejected", "ConnectionClosed"]
