"""Server-Sent Events: framing, Last-Event-ID, keep-alive pings, headers, 1,000 held clients."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from django_bolt import ServerSentEvent, format_sse_event
from django_bolt.responses import SSE_DEFAULT_PING_INTERVAL, SSE_KEEPALIVE_COMMENT, EventSourceResponse
from django_bolt.streaming import encode_event


def test_event_framing():
    assert encode_event(ServerSentEvent(data={"a": 1}, event="tick", id="7", retry=100)) == (
        b'event: tick\ndata: {"a":1}\nid: 7\nretry: 100\n\n'
    )
    assert encode_event(ServerSentEvent(raw_data="x\ny", comment="c")) == b": c\ndata: x\ndata: y\n\n"
    # JSON data is one `data:` line whatever it holds: U+2028/U+0085 are no SSE line ends, and
    # splitting there would hand the client different JSON.
    for extra in ({}, {"id": "1"}, {"event": "e", "comment": "c"}):
        encoded = encode_event(ServerSentEvent(data={"s": "a\u2028b\x85c"}, **extra))
        assert 'data: {"s":"a\u2028b\x85c"}\n'.encode() in encoded, encoded
    with pytest.raises(ValueError):
        ServerSentEvent(event="a\nb")
    with pytest.raises(ValueError):
        ServerSentEvent(data=1, raw_data="1")
    with pytest.raises(ValueError):
        ServerSentEvent(retry=-1)


def test_format_sse_event():
    # The release's order: comment, event, data, id, retry; multi-line values split per line.
    assert format_sse_event(data_str="a\nb", event="e", id="3", retry=10, comment="c\nd") == (
        b": c\n: d\nevent: e\ndata: a\ndata: b\nid: 3\nretry: 10\n\n"
    )
    assert format_sse_event(data_bytes=b'{"x":1}') == b'data: {"x":1}\n\n'
    assert format_sse_event(retry=5) == b"retry: 5\n\n"
    assert format_sse_event() == b"\n"
    with pytest.raises(ValueError, match="null characters or line breaks"):
        format_sse_event(data_str="x", id="1\n2")
    with pytest.raises(ValueError, match="Cannot set both"):
        format_sse_event(data_str="x", data_bytes=b"x")


def test_event_source_response(http: httpx.Client):
    r = http.get("/streaming/sse", params={"n": 2})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["x-accel-buffering"] == "no"
    assert r.text == (
        "retry: 1500\n\n"
        'event: tick\ndata: {"i":0}\nid: 0\n\n'
        'event: tick\ndata: {"i":1}\nid: 1\n\n'
        ": bye\ndata: line one\ndata: line two\n\n"
    )


def test_last_event_id_reaches_the_handler(http: httpx.Client):
    r = http.get("/streaming/sse", params={"n": 1}, headers={"last-event-id": "41"})
    assert 'data: {"i":42}\nid: 42' in r.text


def test_plain_event_stream_media_type(http: httpx.Client):
    r = http.get("/streaming/sse-plain")
    assert r.text == "data: one\n\ndata: two\n\n"
    assert r.headers["cache-control"] == "no-cache"


def test_keep_alive_pings_while_idle(http: httpx.Client):
    name = uuid.uuid4().hex[:12]
    with http.stream("GET", "/streaming/sse-idle", params={"name": name, "ping": 0.05}) as r:
        chunks = r.iter_bytes()
        assert next(chunks) == b'data: {"hello":"' + name.encode() + b'"}\n\n'
        assert next(chunks) == b": ping\n\n"
        assert next(chunks) == b": ping\n\n"


def test_the_keep_alive_constants_are_the_servers():
    # The release's names for what the server writes and the default interval.
    assert SSE_KEEPALIVE_COMMENT == b": ping\n\n"
    assert SSE_DEFAULT_PING_INTERVAL == 15.0
    assert EventSourceResponse(iter(())).ping_interval == SSE_DEFAULT_PING_INTERVAL


CLIENTS = 1000


async def _open_sse(port: int, name: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /streaming/sse-idle?name={name}&ping=0.3 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    first = await reader.readuntil(b"\n\n")
    assert b"hello" in first, first
    return reader, writer


def test_thousand_sse_clients_held_then_released(start_server):
    """1,000 concurrent event streams on one process: all get events and pings, and after they
    disconnect every generator is finalised and the event loop's task count is back to baseline.
    (The server's memory with the streams held is measured by bench/suite_thresholds.py.)"""
    # A server of its own: the shared one's 1 s header timeout can close connections the client
    # has opened but not yet written to when a busy machine slows the 1,000 connects down.
    server = start_server(BOLT_TEST_HEADER_TIMEOUT="30")
    prefix = uuid.uuid4().hex[:8]
    with server.client() as client:
        baseline_tasks = client.get("/streaming/stream-state").json()["tasks"]

        async def run() -> None:
            conns = await asyncio.gather(*(_open_sse(server.port, f"{prefix}-{i}") for i in range(CLIENTS)))
            # Every stream is alive: each gets a keep-alive ping while held.
            pings = await asyncio.gather(*(asyncio.wait_for(r.readuntil(b"\n\n"), 5) for r, _ in conns))
            assert all(p.endswith(b": ping\n\n") for p in pings), pings[:3]
            for _, w in conns:
                w.close()
            await asyncio.gather(*(w.wait_closed() for _, w in conns), return_exceptions=True)

        asyncio.run(run())

        def finalised() -> int:
            events = client.get("/streaming/stream-state").json()["events"]
            return sum(1 for k, v in events.items() if k.startswith(prefix) and "finally" in v)

        deadline = time.monotonic() + 5
        while finalised() < CLIENTS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert finalised() == CLIENTS
        deadline = time.monotonic() + 3
        while client.get("/streaming/stream-state").json()["tasks"] > baseline_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/streaming/stream-state").json()["tasks"] <= baseline_tasks


def test_response_class_on_the_decorator(client_for):
    """``response_class=EventSourceResponse`` with a generator-function handler, as in the release."""
    from django_bolt import BoltAPI, EventSourceResponse

    api = BoltAPI()

    @api.get("/ticks/{start}", response_class=EventSourceResponse)
    async def ticks(start: int, n: int = 2):
        for i in range(start, start + n):
            yield {"i": i}

    @api.get("/sync-ticks", response_class=EventSourceResponse)
    def sync_ticks():
        yield ServerSentEvent(raw_data="x", event="e")

    client = client_for(api)
    r = client.get("/ticks/5", params={"n": 3})
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert r.text == 'data: {"i":5}\n\ndata: {"i":6}\n\ndata: {"i":7}\n\n'
    assert client.get("/ticks/x").status_code == 422
    assert client.get("/sync-ticks").text == "event: e\ndata: x\n\n"


async def test_async_test_client_streams():
    from django_bolt import BoltAPI
    from django_bolt.testing import AsyncTestClient

    from tests.testapp import streaming_api

    api = BoltAPI()
    api.mount("/streaming", streaming_api.api)
    async with AsyncTestClient(api) as client:
        async with client.stream("GET", "/streaming/sse", params={"n": 1}) as r:
            chunks = [c async for c in r.aiter_bytes()]
    assert b"".join(chunks).startswith(b"retry: 1500\n\n")
