"""File, static, streaming and SSE endpoints, served in process and by the real-socket server
(mounted under ``/streaming`` by ``server_api``)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from typing import Annotated

from django.conf import settings
from django_bolt import BoltAPI, EventSourceResponse, FileResponse, ServerSentEvent, StreamingResponse, UploadFile
from django_bolt.auth import IsAuthenticated, JWTAuthentication
from django_bolt.params import File as FileParam
from django_bolt.params import Form, Header
from django_bolt.responses import File

api = BoltAPI()

#: What the iterators did, by stream name: "started", chunk counts, "finally".
EVENTS: dict[str, list[str]] = {}
#: Chunks produced so far by /big-stream, by name.
PRODUCED: dict[str, int] = {}
#: Temporary file paths of spooled uploads, by upload name.
UPLOADS: dict[str, str | None] = {}


def files_root() -> str:
    return settings.BOLT_TEST_FILES_ROOT


@api.get("/files/{name}")
def serve_file(name: str, download: bool = False) -> FileResponse:
    return FileResponse(os.path.join(files_root(), name), filename=name if download else None)


@api.get("/memory-files/{name}")
async def serve_memory_file(name: str) -> File:
    return File(os.path.join(files_root(), name))


@api.get("/file-path")
def serve_path(path: str) -> FileResponse:
    """Serves whatever path the client names: the allowed roots must confine it."""
    return FileResponse(path)


def _record(name: str, what: str) -> None:
    EVENTS.setdefault(name, []).append(what)


@api.get("/sync-stream")
def sync_stream(name: str, n: int = 3, delay: float = 0.0) -> StreamingResponse:
    def chunks():
        _record(name, "started")
        try:
            for i in range(n):
                if delay:
                    time.sleep(delay)
                yield f"chunk {i}\n"
        finally:
            _record(name, "finally")

    return StreamingResponse(chunks(), media_type="text/plain")


@api.get("/async-stream")
async def async_stream(name: str, n: int = 3, delay: float = 0.0) -> StreamingResponse:
    async def chunks():
        _record(name, "started")
        try:
            for i in range(n):
                if delay:
                    await asyncio.sleep(delay)
                yield f"chunk {i}\n".encode()
        finally:
            _record(name, "finally")

    return StreamingResponse(chunks(), media_type="text/plain")


class Countdown:
    """A plain async iterator class (not a generator)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __aiter__(self) -> Countdown:
        return self

    async def __anext__(self) -> str:
        if self.n == 0:
            raise StopAsyncIteration
        self.n -= 1
        return f"{self.n}\n"


@api.get("/countdown")
async def countdown(n: int = 3) -> StreamingResponse:
    return StreamingResponse(Countdown(n), media_type="text/plain")


@api.get("/list-stream")
def list_stream() -> StreamingResponse:
    return StreamingResponse([b"a", "b", bytearray(b"c")])


@api.get("/failing-stream")
async def failing_stream() -> StreamingResponse:
    async def chunks():
        yield b"first\n"
        raise RuntimeError("stream broke")

    return StreamingResponse(chunks(), media_type="text/plain")


def _counted_blocks(name: str, chunks: int, size: int):
    """``chunks`` x ``size`` bytes, counting what was produced (back-pressure tests)."""
    block = b"x" * size
    PRODUCED[name] = 0

    def gen():
        try:
            for _ in range(chunks):
                PRODUCED[name] += 1
                yield block
        finally:
            _record(name, "finally")

    return gen()


@api.get("/big-stream")
def big_stream(name: str, chunks: int = 2000, size: int = 65536) -> StreamingResponse:
    return StreamingResponse(_counted_blocks(name, chunks, size))


@api.get("/big-async-stream")
async def big_async_stream(name: str, chunks: int = 2000, size: int = 65536) -> StreamingResponse:
    """``/big-stream`` from an async generator that never awaits between chunks: a burst."""
    blocks = _counted_blocks(name, chunks, size)

    async def gen():
        try:
            for block in blocks:
                yield block
        finally:
            blocks.close()

    return StreamingResponse(gen())


@api.get("/stream-state")
async def stream_state() -> dict:
    return {
        "events": EVENTS,
        "produced": PRODUCED,
        "tasks": len(asyncio.all_tasks()),
        "uploads": {k: (v is not None and os.path.exists(v)) for k, v in UPLOADS.items()},
    }


@api.get("/sse")
async def sse(
    n: int = 3,
    interval: float = 0.0,
    last_event_id: Annotated[int | None, Header(alias="last-event-id")] = None,
) -> EventSourceResponse:
    start = (last_event_id + 1) if last_event_id is not None else 0

    async def events():
        yield ServerSentEvent(retry=1500)
        for i in range(start, start + n):
            if interval:
                await asyncio.sleep(interval)
            yield ServerSentEvent(data={"i": i}, event="tick", id=str(i))
        yield ServerSentEvent(raw_data="line one\nline two", comment="bye")

    return EventSourceResponse(events())


@api.get("/sse-idle")
async def sse_idle(name: str, ping: float = 0.2, hold: float = 30.0) -> EventSourceResponse:
    """One event, then silence (only pings) for ``hold`` seconds."""

    async def events():
        _record(name, "started")
        try:
            yield {"hello": name}
            await asyncio.sleep(hold)
        finally:
            _record(name, "finally")

    return EventSourceResponse(events(), ping_interval=ping)


@api.get("/sse-plain")
def sse_plain() -> StreamingResponse:
    return StreamingResponse(iter(["data: one\n\n", "data: two\n\n"]), media_type="text/event-stream")


@api.post("/upload")
async def upload(name: str, file: Annotated[UploadFile, FileParam(max_size=2_000_000)]) -> dict:
    on_disk = file.path if file.rolled_to_disk else None
    UPLOADS[name] = on_disk
    data = await file.aread()
    return {"size": file.size, "read": len(data), "on_disk": on_disk is not None, "head": data[:4].decode()}


@api.post("/upload-digest")
def upload_digest(file: Annotated[UploadFile, FileParam()], note: Annotated[str, Form()] = "") -> dict:
    """Size and SHA-256 of an upload of any size, read in pieces."""
    digest = hashlib.sha256()
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    return {"size": file.size, "sha256": digest.hexdigest(), "on_disk": file.path is not None, "note": note}


@api.post("/upload-protected", auth=[JWTAuthentication()], guards=[IsAuthenticated()])
def upload_protected(file: Annotated[UploadFile, FileParam()]) -> dict:
    return {"size": file.size}


@api.post("/upload-name")
async def upload_name(file: Annotated[UploadFile, FileParam()]) -> dict:
    return {"filename": file.filename, "raw_filename": file.raw_filename}
