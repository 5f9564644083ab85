"""Long-lived connection limits over a real socket: the accept timeout (503, no 101), server
pings with their pong timeout, the idle timeout, and one access-log line per session."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.server.conftest import ServerProcess, launch
from tests.websocket.frames import read_frame as read_raw_frame

ACCEPT_TIMEOUT = 1.5
PING_INTERVAL = 0.3
PING_TIMEOUT = 1.5
IDLE_TIMEOUT = 3.0  # after a silent peer's ping timeout (0.3 + 1.5 s)
DEADLINE = 15.0


@pytest.fixture(scope="module")
def timed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    logs = tmp_path_factory.mktemp("ws-timeouts")
    env = {
        "BOLT_TEST_API": "tests.websocket.ws_api.api",
        "BOLT_TEST_WS_ACCEPT_TIMEOUT": str(ACCEPT_TIMEOUT),
        "BOLT_TEST_WS_PING_INTERVAL": str(PING_INTERVAL),
        "BOLT_TEST_WS_PING_TIMEOUT": str(PING_TIMEOUT),
        "BOLT_TEST_WS_IDLE_TIMEOUT": str(IDLE_TIMEOUT),
        "BOLT_TEST_ACCESS_LOG": "1",
    }
    server = launch(Path(logs) / "unused.sqlite3", Path(logs), env, name="ws-timeouts")
    try:
        yield server
    finally:
        rc = server.stop()
        assert rc == 0, f"server exited with {rc}\n{server.describe()}"
        assert "panicked" not in server.stderr(), server.describe()


def read_frame(sock: socket.socket, buffered: bytearray) -> tuple[int, bytes]:
    """One server frame: (opcode, payload)."""
    first, payload = read_raw_frame(sock, buffered)
    return first & 0x0F, payload


def url(server: ServerProcess, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def upgrade(port: int, path: str) -> socket.socket:
    """A raw connection that sent a WebSocket upgrade request (and reads nothing yet)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return sock


def read_head(sock: socket.socket) -> tuple[int, bytes]:
    """The response's status and the bytes read past its head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before the response head: {data!r}"
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return int(head.split(b" ", 2)[1]), rest


def masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


def probe(server: ServerProcess, name: str) -> int | None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        code = httpx.get(f"http://127.0.0.1:{server.port}/probe/{name}", timeout=5).json()["code"]
        if code is not None:
            return code
        time.sleep(0.05)
    return None


def log_lines(server: ServerProcess, path: str, count: int = 1) -> list[dict]:
    """The access-log lines for ``path``, once there are ``count`` of them."""
    deadline = time.monotonic() + DEADLINE
    while True:
        found = [x for x in server.access_log() if x.get("path") == path]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_handler_that_does_not_accept_in_time_gets_503_and_then_a_disconnect(timed_server):
    with upgrade(timed_server.port, "/ws/slow-accept?delay=2.5") as sock:
        status, _ = read_head(sock)
    assert status == 503
    # The late accept() finds the connection gone: its receive raises WebSocketDisconnect(1006).
    assert probe(timed_server, "slow-accept") == 1006
    (line,) = log_lines(timed_server, "/ws/slow-accept")
    assert line["status"] == 503 and line["close_code"] is None and line["method"] == "GET"


def test_server_pings_and_a_peer_that_answers_stays(timed_server):
    with upgrade(timed_server.port, "/ws/echo") as sock:
        status, rest = read_head(sock)
        assert status == 101
        buffered = bytearray(rest)
        pings = 0
        while pings < 3:  # several intervals pass
            opcode, payload = read_frame(sock, buffered)
            assert opcode == 0x9, (opcode, payload)
            pings += 1
            sock.sendall(masked(0xA, payload))
        sock.sendall(masked(0x1, b"still here"))
        while True:
            opcode, payload = read_frame(sock, buffered)
            if opcode != 0x9:
                break
            sock.sendall(masked(0xA, payload))
        assert (opcode, payload) == (0x1, b"still here")


def test_a_peer_that_never_answers_pings_is_closed_and_the_handler_sees_1006(timed_server):
    with upgrade(timed_server.port, "/ws/probe/silent") as sock:
        status, rest = read_head(sock)
        assert status == 101
        buffered = bytearray(rest)
        assert read_frame(sock, buffered)[0] == 0x9
        # Silent from here on: after the pong timeout the server sends 1011 and lets go.
        opcode, payload = read_frame(sock, buffered)
        assert opcode == 0x8
        assert struct.unpack("!H", payload[:2])[0] == 1011
        assert payload[2:] == b"keepalive ping timeout"
    assert probe(timed_server, "silent") == 1006
    (line,) = log_lines(timed_server, "/ws/probe/silent")
    assert line["status"] == 101 and line["close_code"] == 1006


async def test_an_idle_connection_is_closed_with_1001(timed_server):
    async with connect(url(timed_server, "/ws/probe/idle"), ping_interval=None) as ws:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), DEADLINE)
    assert (ws.close_code, ws.close_reason) == (1001, "Idle timeout")
    assert probe(timed_server, "idle") == 1001


async def test_one_access_log_line_per_session(timed_server):
    async with connect(url(timed_server, "/ws/room/7?name=al"), ping_interval=None) as ws:
        await ws.recv()
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    (line,) = log_lines(timed_server, "/ws/room/7")
    assert line["status"] == 101 and line["close_code"] == 1000
    assert line["bytes"] > 40 and line["bytes_in"] > 0  # the JSON message out, the close frame in
    assert line["duration_ms"] >= 0 and "name=al" not in json.dumps(line)
    with pytest.raises(InvalidStatus):
        await connect(url(timed_server, "/ws/refuse"))
    (line,) = log_lines(timed_server, "/ws/refuse")
    assert line["status"] == 403 and line["close_code"] is None and line["bytes_in"] == 0
