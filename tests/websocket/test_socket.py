"""WebSockets over a real socket, spoken by a standard client library (``websockets``)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import struct

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.server.wire import send_and_read_head
from tests.websocket.conftest import ALLOWED_ORIGIN, MAX_MESSAGE


def url(server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def test_echo_text_bytes_json(ws_server):
    async with connect(url(ws_server, "/ws/echo")) as ws:
        await ws.send("héllo")
        assert await ws.recv() == "héllo"
        await ws.send(b"\x00\xff")
        assert await ws.recv() == b"\x00\xff"
    assert ws.close_code == 1000
    async with connect(url(ws_server, "/ws/json")) as ws:
        await ws.send(json.dumps({"n": 1}))
        assert json.loads(await ws.recv()) == {"echo": {"n": 1}}


async def test_parameters_and_server_close(ws_server):
    async with connect(url(ws_server, "/ws/room/3?name=bo"), additional_headers={"X-Team": "red"}) as ws:
        assert json.loads(await ws.recv()) == {"room": 3, "name": "bo", "team": "red", "path": "/ws/room/3"}
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1000
    async with connect(url(ws_server, "/ws/close/4001")) as ws:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert (ws.close_code, ws.close_reason) == (4001, "bye")


async def test_subprotocol(ws_server):
    async with connect(url(ws_server, "/ws/proto"), subprotocols=["chat.v2", "x"]) as ws:
        assert ws.subprotocol == "chat.v2"
        assert await ws.recv() == "chat.v2"


async def test_ping_answered_by_the_server(ws_server):
    async with connect(url(ws_server, "/ws/echo"), ping_interval=None) as ws:
        pong = await ws.ping(b"data")
        await asyncio.wait_for(pong, 3)


async def test_oversized_message_closes_with_1009(ws_server):
    async with connect(url(ws_server, "/ws/echo"), max_size=None) as ws:
        await ws.send("a" * (MAX_MESSAGE + 1))
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1009


async def test_client_disconnect_reaches_the_handler(ws_server):
    async with connect(url(ws_server, "/ws/probe/socket")) as ws:
        await ws.send("x")
        await ws.close(4003)
    async with httpx.AsyncClient(base_url=ws_server.url) as client:
        for _ in range(100):
            code = (await client.get("/probe/socket")).json()["code"]
            if code is not None:
                break
            await asyncio.sleep(0.02)
    assert code == 4003


async def test_receive_text_of_a_binary_message_that_is_not_utf8_closes_with_1007(ws_server):
    before = len(ws_server.stderr())
    async with connect(url(ws_server, "/ws/probe/not-utf8")) as ws:
        await ws.send(b"\xff\xfe not text")
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1007
    async with httpx.AsyncClient(base_url=ws_server.url) as client:
        # The handler saw the close as a WebSocketDisconnect carrying the same code.
        deadline = asyncio.get_running_loop().time() + 3
        while (code := (await client.get("/probe/not-utf8")).json()["code"]) is None:
            assert asyncio.get_running_loop().time() < deadline, "the handler never saw the close"
            await asyncio.sleep(0.02)
    assert code == 1007
    logged = ws_server.stderr()[before:]
    assert "Traceback" not in logged and "UnicodeDecodeError" not in logged, logged


async def test_abrupt_disconnect_is_1006(ws_server):
    ws = await connect(url(ws_server, "/ws/probe/abrupt"))
    await ws.send("x")
    ws.transport.abort()
    async with httpx.AsyncClient(base_url=ws_server.url) as client:
        for _ in range(100):
            code = (await client.get("/probe/abrupt")).json()["code"]
            if code is not None:
                break
            await asyncio.sleep(0.02)
    assert code == 1006


async def test_origin_check(ws_server):
    with pytest.raises(InvalidStatus) as refused:
        await connect(url(ws_server, "/ws/echo"), origin="http://evil.test")
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body) == {"detail": "Origin not allowed"}
    async with connect(url(ws_server, "/ws/echo"), origin=ALLOWED_ORIGIN) as ws:
        await ws.send("ok")
        assert await ws.recv() == "ok"


async def test_refusal_before_accept_is_an_http_status(ws_server):
    for path, status in (("/ws/refuse", 403), ("/ws/deny", 401), ("/ws/crash-before", 500)):
        with pytest.raises(InvalidStatus) as refused:
            await connect(url(ws_server, path))
        assert refused.value.response.status_code == status


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_auth_is_checked_before_the_upgrade(ws_server):
    from tests.auth.conftest import claims, pyjwt_token

    with pytest.raises(InvalidStatus) as refused:
        await connect(url(ws_server, "/ws/secure"))
    assert refused.value.response.status_code == 401
    token = pyjwt_token(claims(sub="42"))
    async with connect(url(ws_server, "/ws/secure"), additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert json.loads(await ws.recv()) == {"sub": "42"}


async def test_python_backends_and_guards_are_checked_before_the_upgrade(ws_server):
    for headers, status in (({}, 401), ({"X-Name": "ann"}, 403), ({"X-Badge": "blue"}, 401)):
        with pytest.raises(InvalidStatus) as refused:
            await connect(url(ws_server, "/ws/badge"), additional_headers=headers)
        assert refused.value.response.status_code == status
    async with connect(url(ws_server, "/ws/badge"), additional_headers={"X-Name": "ann", "X-Badge": "blue"}) as ws:
        assert json.loads(await ws.recv()) == {"name": "ann"}


def _raw_handshake(port: int, headers: str) -> bytes:
    return send_and_read_head(port, f"GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode(), timeout=3)


def test_bad_handshakes(ws_server):
    key = base64.b64encode(os.urandom(16)).decode()
    upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    assert _raw_handshake(ws_server.port, "").startswith(b"HTTP/1.1 426")
    assert _raw_handshake(ws_server.port, f"{upgrade}Sec-WebSocket-Version: 13\r\n").startswith(b"HTTP/1.1 400")
    bad_version = _raw_handshake(ws_server.port, f"{upgrade}Sec-WebSocket-Version: 7\r\nSec-WebSocket-Key: {key}\r\n")
    assert bad_version.startswith(b"HTTP/1.1 426")
    assert b"sec-websocket-version: 13" in bad_version.lower()


def test_unmasked_client_frame_is_a_protocol_error(ws_server):
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", ws_server.port), timeout=3) as sock:
        sock.sendall(
            b"GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n".encode()
            # Sent with the request: the server must take frames that arrive with the head.
            + b"\x81\x02hi"
        )
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, frames = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    assert frames[0] == 0x88 and struct.unpack("!H", frames[2:4])[0] == 1002


async def test_burst_of_concurrent_connections(ws_server):
    async def one(i: int) -> str:
        async with connect(url(ws_server, "/ws/echo")) as ws:
            await ws.send(f"m{i}")
            return await ws.recv()

    results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(100))), 15)
    assert results == [f"m{i}" for i in range(100)]


async def test_shutdown_closes_open_websockets_with_1001(own_ws_server):
    async with connect(url(own_ws_server, "/ws/echo")) as ws:
        await ws.send("before")
        assert await ws.recv() == "before"
        own_ws_server.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 1001
    assert await asyncio.get_running_loop().run_in_executor(None, own_ws_server.wait) == 0
