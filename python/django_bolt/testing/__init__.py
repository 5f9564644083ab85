"""In-process test clients that run requests through the real Rust pipeline."""

from .client import AsyncTestClient, TestClient

__all__ = ["TestClient", "AsyncTestClient"]
