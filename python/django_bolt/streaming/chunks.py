"""Chunk sources for streamed responses, stepped by Rust one chunk at a time.

``pull()`` returns the next chunk as bytes, or None at the end (for async sources, a coroutine
that does). ``close()`` finalises the iterator so its ``finally`` blocks run; Rust calls it when
the client goes away or the body is not sent (HEAD), never while a pull is running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("django_bolt")

Encoder = Callable[[Any], bytes]

#: Tasks finalising async iterators; held so they are not collected before they finish.
_closing: set[asyncio.Task[Any]] = set()


def as_bytes(chunk: Any) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"a streamed chunk must be bytes or str, not {type(chunk).__name__}")


class SyncChunks:
    """A sync iterable, pulled on Rust's blocking pool."""

    def __init__(self, iterable: Any, encode: Encoder) -> None:
        self._it = iter(iterable)
        self._encode = encode

    def pull(self) -> bytes | None:
        try:
            chunk = next(self._it)
        except StopIteration:
            return None
        return self._encode(chunk)

    def close(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


class AsyncChunks:
    """An async iterable, driven by one task on the event loop (``pump``) that hands each chunk to
    Rust's ``ChunkSink``, waiting whenever the writer is that far behind."""

    def __init__(self, iterable: Any, encode: Encoder, loop: asyncio.AbstractEventLoop) -> None:
        self._it = iterable.__aiter__()
        self._encode = encode
        self._loop = loop
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False
        #: Rust wakes a waiting pump through this.
        self.call_soon_threadsafe = loop.call_soon_threadsafe

    async def pump(self, sink: Any) -> None:
        self._task = asyncio.current_task()
        if self._cancelled:  # closed before the pump started
            await self._aclose()
            return
        push, encode = sink.push, self._encode
        try:
            # One chunk per step, no coroutine or callable allocated for it: a chunk that fits
            # is queued and the loop goes on; only a full queue makes the pump wait.
            async for chunk in self._it:
                data = encode(chunk)
                if not push(data) and not await self._push_when_room(sink, data):
                    return
            sink.finish()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Error in a streamed response's iterator")
            sink.fail()
        finally:
            await self._aclose()

    async def _push_when_room(self, sink: Any, data: bytes) -> bool:
        """Queues ``data``, waiting while the writer is that far behind; False once it is gone."""
        while not sink.push(data):
            if sink.closed():
                return False
            room = self._loop.create_future()
            sink.wait_room(room)
            await room
        return True

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._close_on_loop)

    def _close_on_loop(self) -> None:
        self._cancelled = True
        task = self._task
        if task is not None and not task.done():
            # CancelledError is raised at the iterator's await; the pump then runs aclose().
            task.cancel()
        elif task is None:
            # Never started (e.g. HEAD): nothing is running the iterator, finalise it here.
            finaliser = self._loop.create_task(self._aclose())
            _closing.add(finaliser)
            finaliser.add_done_callback(_closing.discard)

    async def _aclose(self) -> None:
        aclose = getattr(self._it, "aclose", None)
        if aclose is None:
            return
        try:
            await aclose()
        except Exception:  # noqa: BLE001 - the client is gone; the error only needs logging
            logger.exception("Error while closing a streamed response's iterator")


def open_stream(response: Any) -> tuple[Any, bool, float | None]:
    """``(source, is_async, ping_seconds)`` for a ``StreamingResponse``; called by Rust."""
    from .._runtime import event_loop

    content = response.content
    encode = response.encode_chunk
    ping = getattr(response, "ping_interval", None)
    if hasattr(content, "__aiter__"):
        return AsyncChunks(content, encode, event_loop()), True, ping
    return SyncChunks(content, encode), False, ping
