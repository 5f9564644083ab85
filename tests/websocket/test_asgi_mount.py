"""WebSocket upgrades to a mounted ASGI app (``mount_asgi``): in process through
``WebSocketTestClient`` and over a real socket with ``runbolt``. The app is
``tests.websocket.ws_api.asgi_app``, mounted at /asgi; Django is mounted at /django."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest
from django.test import override_settings
from django_bolt import BoltAPI, WebSocket
from django_bolt.testing import HandshakeRejected, WebSocketTestClient
from django_bolt.testing.websocket import NoWebSocketRoute
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.websocket import ws_api


def client(path: str, **kwargs) -> WebSocketTestClient:
    return WebSocketTestClient(ws_api.api, path, timeout=3.0, **kwargs)


async def test_text_and_bytes_reach_the_app_and_come_back():
    async with client("/asgi/echo") as ws:
        json.loads(await ws.receive_text())  # the scope summary comes first
        await ws.send_text("héllo")
        assert await ws.receive_text() == "echo:héllo"
        await ws.send_bytes(b"\x00\xff")
        assert await ws.receive_bytes() == b"\x00\xff"


async def test_the_scope_follows_the_asgi_spec():
    async with client(
        "/asgi/caf%C3%A9/",
        query_string="token=abc&x=%20",
        headers={"X-Name": "café".encode().decode("latin-1")},
        subprotocols=["graphql-ws", "chat"],
    ) as ws:
        scope = json.loads(await ws.receive_text())
        assert ws.accepted_subprotocol == "graphql-ws"
        assert ws.response_headers["x-mounted"] == "yes"
    assert scope == {
        "type": "websocket",
        "scheme": "ws",
        "path": "/asgi/café/",  # decoded, the mount prefix kept (root_path says where it is)
        "raw_path": "/asgi/caf%C3%A9/",
        "root_path": "/asgi",
        "subprotocols": ["graphql-ws", "chat"],
        "http_version": "1.1",
        "connect": "websocket.connect",
        "query_string": "token=abc&x=%20",
        "x_name": "café",  # header bytes as sent
        "client_is_set": True,
    }


@pytest.mark.parametrize(("trusted", "scheme"), [([], "ws"), (["127.0.0.1"], "wss")])
async def test_scheme_follows_x_forwarded_proto_only_from_a_trusted_proxy(trusted, scheme):
    with override_settings(BOLT_TRUSTED_PROXIES=trusted):
        async with client("/asgi/echo", headers={"X-Forwarded-Proto": "https"}) as ws:
            assert json.loads(await ws.receive_text())["scheme"] == scheme


async def test_handshake_decisions_of_the_app():
    # close before accept: 403, as for a route
    with pytest.raises(HandshakeRejected) as refused:
        await client("/asgi/refuse").connect()
    assert refused.value.status_code == 403
    assert isinstance(refused.value, PermissionError)
    # an exception before accept: the test sees it; the wire sees a 500
    with pytest.raises(RuntimeError, match="failed before accept"):
        await client("/asgi/boom").connect()
    with pytest.raises(HandshakeRejected) as failed:
        await client("/asgi/boom", raise_server_exceptions=False).connect()
    assert failed.value.status_code == 500
    # a subprotocol the client did not offer is the app's bug
    with pytest.raises(ValueError, match="never-offered"):
        await client("/asgi/unrequested", subprotocols=["chat"]).connect()


async def test_close_return_and_crash_after_accept():
    async with client("/asgi/close") as ws:
        assert await ws.wait_closed() == 4002
        assert ws.close_reason == "done"
    async with client("/asgi/returns") as ws:
        assert await ws.wait_closed() == 1000
    with pytest.raises(RuntimeError, match="failed after accept"):
        async with client("/asgi/echo") as ws:
            await ws.receive_text()
            await ws.send_text("crash")
            assert await ws.wait_closed() == 1011


async def test_routes_win_and_django_takes_no_websockets():
    async with client("/ws/echo") as ws:  # a route, not the mount
        await ws.send_text("x")
        assert await ws.receive_text() == "x"
    for path in ("/django/ws", "/nowhere"):
        with pytest.raises(NoWebSocketRoute, match=f"No WebSocket handler found for path: {path}") as missing:
            await client(path).connect()
        assert missing.value.status_code == 404
        assert isinstance(missing.value, ValueError)


async def test_a_mount_under_a_root_django_mount_and_a_custom_app_for_mount_django():
    api = BoltAPI()
    api.mount_django("/")
    api.mount_asgi("/live", ws_api.asgi_app)
    api.mount_django("/custom", ws_api.asgi_app)

    @api.websocket("/ws")
    async def route(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("route")

    for path in ("/live/echo", "/custom/echo"):
        async with WebSocketTestClient(api, path) as ws:
            assert json.loads(await ws.receive_text())["path"] == path
    with pytest.raises(NoWebSocketRoute):
        await WebSocketTestClient(api, "/other").connect()
    async with WebSocketTestClient(api, "/ws") as ws:
        assert await ws.receive_text() == "route"


def url(server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def test_over_a_socket(ws_server):
    async with ws_connect(
        url(ws_server, "/asgi/caf%C3%A9?q=1"), subprotocols=["chat"], additional_headers={"X-Name": "n"}
    ) as ws:
        scope = json.loads(await ws.recv())
        assert ws.subprotocol == "chat"
        assert ws.response.headers["x-mounted"] == "yes"
        await ws.send("hi")
        assert await ws.recv() == "echo:hi"
    assert (scope["path"], scope["raw_path"], scope["root_path"]) == ("/asgi/café", "/asgi/caf%C3%A9", "/asgi")
    assert (scope["query_string"], scope["x_name"], scope["scheme"]) == ("q=1", "n", "ws")
    async with ws_connect(url(ws_server, "/asgi/close")) as ws:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert (ws.close_code, ws.close_reason) == (4002, "done")
    for path, status in (("/asgi/refuse", 403), ("/asgi/boom", 500), ("/django/ws", 404), ("/nowhere", 404)):
        with pytest.raises(InvalidStatus) as refused:
            await ws_connect(url(ws_server, path))
        assert refused.value.response.status_code == status, path
    async with httpx.AsyncClient(base_url=ws_server.url) as http:  # the mount's HTTP side is apart
        assert (await http.get("/asgi/anything")).text == "http side"


def _leave_during_handshake(port: int, path: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )


async def test_a_send_after_the_client_left_during_the_handshake_raises(ws_server):
    """The client goes before the handler accepts: a route's send raises WebSocketDisconnect, a
    mounted app's send an OSError (as ASGI asks), instead of writing to nobody."""
    _leave_during_handshake(ws_server.port, "/ws/late-send?delay=0.3")
    _leave_during_handshake(ws_server.port, "/asgi/late")
    raised: dict[str, str | None] = {}
    async with httpx.AsyncClient(base_url=ws_server.url) as http:
        for _ in range(250):
            raised = {name: (await http.get(f"/late-send/{name}")).json()["raised"] for name in ("route", "asgi")}
            if all(raised.values()):
                break
            await asyncio.sleep(0.02)
    assert raised == {"route": "WebSocketDisconnect", "asgi": "ClientDisconnected"}
