"""Streamed response bodies: the chunk sources Rust pulls from, and Server-Sent Events framing."""

from .chunks import AsyncChunks, SyncChunks, open_stream
from .sse import ServerSentEvent, encode_event

__all__ = ["AsyncChunks", "SyncChunks", "open_stream", "ServerSentEvent", "encode_event"]
