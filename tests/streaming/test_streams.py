"""StreamingResponse: sync/async iterators, chunked framing, back-pressure, disconnects."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest

from tests.server.conftest import ServerProcess


def _name() -> str:
    return uuid.uuid4().hex[:12]


def _state(client: httpx.Client) -> dict:
    return client.get("/streaming/stream-state").json()


def _wait_for(predicate, timeout: float = 3.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.mark.parametrize("kind", ["sync-stream", "async-stream"])
def test_stream_bodies(http: httpx.Client, kind: str):
    name = _name()
    r = http.get(f"/streaming/{kind}", params={"name": name, "n": 4})
    assert r.status_code == 200
    assert r.text == "".join(f"chunk {i}\n" for i in range(4))
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in r.headers
    assert _wait_for(lambda: _state(http)["events"][name] == ["started", "finally"])


def test_async_iterator_class_and_lists(http: httpx.Client):
    assert http.get("/streaming/countdown", params={"n": 3}).text == "2\n1\n0\n"
    r = http.get("/streaming/list-stream")
    assert r.content == b"abc"
    assert r.headers["content-type"] == "application/octet-stream"


def test_chunks_arrive_as_produced(http: httpx.Client):
    name = _name()
    with http.stream("GET", "/streaming/async-stream", params={"name": name, "n": 1000, "delay": 0.01}) as r:
        chunks = r.iter_bytes()
        assert next(chunks).startswith(b"chunk 0")
    # Leaving the block closes the response early: the generator is finalised.
    assert _wait_for(lambda: "finally" in _state(http)["events"].get(name, []))


def test_head_closes_without_iterating(http: httpx.Client):
    name = _name()
    r = http.head("/streaming/sync-stream", params={"name": name})
    assert r.status_code == 200 and r.content == b""
    assert _state(http)["events"].get(name) is None


def test_wire_framing_is_chunked_and_keeps_alive(server: ServerProcess):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /streaming/sync-stream?name=wire&n=2 HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        # Bounded: a server that closes early (recv -> b"") or stalls ends the loop, not the run.
        deadline = time.monotonic() + 10
        while not data.endswith(b"0\r\n\r\n"):
            assert time.monotonic() < deadline, f"no final chunk within 10 s: {data!r}"
            chunk = s.recv(65536)
            assert chunk, f"connection closed before the final chunk: {data!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head
        assert body == b"8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n0\r\n\r\n"
        # The connection stays usable after a complete stream.
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in s.recv(65536)


def test_http10_stream_ends_with_close(server: ServerProcess):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /streaming/sync-stream?name=h10&n=2 HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert body == b"chunk 0\nchunk 1\n"


def test_failing_stream_cuts_the_connection(server: ServerProcess):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /streaming/failing-stream HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert b"first\n" in data
    assert not data.endswith(b"0\r\n\r\n"), "a broken stream must not look complete"
    assert "stream broke" in server.stderr()


@pytest.mark.parametrize("kind", ["sync-stream", "async-stream"])
def test_disconnect_finalises_generator(server: ServerProcess, kind: str):
    name = _name()
    with server.client() as client:
        tasks_before = _state(client)["tasks"]
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(f"GET /streaming/{kind}?name={name}&n=100000&delay=0.005 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert b"chunk 0" in s.recv(65536) or b"chunk 0" in s.recv(65536)
        assert _wait_for(lambda: "finally" in _state(client)["events"].get(name, [])), _state(client)
        assert _wait_for(lambda: _state(client)["tasks"] <= tasks_before)


def _chunked_body(data: bytes) -> tuple[bytes, int]:
    """The body of a chunked response and how many chunks carried it."""
    body, count = b"", 0
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return body, count
        body, data, count = body + data[:size], data[size + 2 :], count + 1


def _read_until_close_or_end(s: socket.socket, end: bytes) -> bytes:
    data, deadline = b"", time.monotonic() + 10
    while not data.endswith(end):
        assert time.monotonic() < deadline, f"no end within 10 s: {data[-200:]!r}"
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_burst_of_small_async_chunks_arrives_whole_and_in_order(server: ServerProcess):
    """Chunks queued faster than the writer sends them go out several per write, each still
    framed on its own; over HTTP/1.0 (no chunked coding) they are simply concatenated."""
    expected = b"".join(f"chunk {i}\n".encode() for i in range(5000))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /streaming/async-stream?name=burst&n=5000 HTTP/1.1\r\nHost: x\r\n\r\n")
        head, _, rest = _read_until_close_or_end(s, b"\r\n0\r\n\r\n").partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head
    body, count = _chunked_body(rest)
    assert body == expected
    assert count == 5000, "every yielded chunk keeps its own chunk framing"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /streaming/async-stream?name=burst10&n=5000 HTTP/1.0\r\nHost: x\r\n\r\n")
        head, _, body = _read_until_close_or_end(s, b"\0").partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert body == expected


@pytest.mark.parametrize(
    ("route", "size", "limit"),
    [("big-stream", 65536, 400), ("big-async-stream", 65536, 400), ("big-async-stream", 512, 40_000)],
)
def test_slow_client_gets_back_pressure(server: ServerProcess, route: str, size: int, limit: int):
    """A client that does not read makes the generator wait, sync or async, large chunks or
    small ones batched together: only about what the socket buffers (and, for async
    iterators, the 16 KiB queue) hold is produced, not the whole 128 MiB stream."""
    name = _name()
    chunks = 128 * 1024 * 1024 // size
    with server.client() as client:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            s.sendall(
                f"GET /streaming/{route}?name={name}&chunks={chunks}&size={size} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            )
            s.recv(1024)
            last, still_since, deadline = -1, time.monotonic(), time.monotonic() + 15
            while True:
                produced = _state(client)["produced"][name]
                if produced != last:
                    last, still_since = produced, time.monotonic()
                elif time.monotonic() - still_since >= 0.5:
                    break
                assert time.monotonic() < deadline, f"production never stalled: {produced}"
                time.sleep(0.05)
            assert 1 <= produced < limit, produced
        assert _wait_for(lambda: "finally" in _state(client)["events"].get(name, []))
        assert _state(client)["produced"][name] < chunks
