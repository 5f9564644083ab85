"""What ``WebSocketTestClient`` raises when there is no connection, and the release's client
options it takes: each refusal is a ``HandshakeRejected`` that is also the release's exception
kind, and the handler's own error is raised in the test."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import pytest
from django_bolt import BoltAPI, WebSocket, WebSocketDisconnect
from django_bolt.auth import IsAuthenticated, JWTAuthentication, Requires
from django_bolt.middleware import rate_limit
from django_bolt.params import Header
from django_bolt.testing import HandshakeRejected, TestClient, WebSocketTestClient
from django_bolt.testing.websocket import (
    HANDSHAKE_TIMEOUT,
    HandshakeDenied,
    HandshakeInvalid,
    NoWebSocketRoute,
    WebSocketClient,
)

from tests.auth.conftest import pyjwt_token

SECRET = "a-websocket-test-secret-of-32-bytes!"


@pytest.fixture
def api() -> BoltAPI:
    api = BoltAPI()

    @api.websocket("/ws/open")
    async def open_route(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("open")

    @api.websocket("/ws/login", auth=[JWTAuthentication(secret=SECRET)], guards=[IsAuthenticated()])
    async def login(websocket: WebSocket) -> None:
        await websocket.accept()

    @api.websocket("/ws/admin", auth=[JWTAuthentication(secret=SECRET)], guards=[Requires("is_superuser", True)])
    async def admin(websocket: WebSocket) -> None:
        await websocket.accept()

    @api.websocket("/ws/typed/{room}")
    async def typed(websocket: WebSocket, room: int, x_count: Annotated[int, Header()] = 0) -> None:
        await websocket.accept()

    @api.websocket("/ws/limited")
    @rate_limit(rps=1, burst=1)
    async def limited(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("in")

    @api.websocket("/ws/connect-event")
    async def connect_event(websocket: WebSocket) -> None:
        first = await websocket.receive()
        await websocket.accept()
        await websocket.send_json({"first": first, "query": websocket.query_string.decode()})

    @api.websocket("/ws/fails-after")
    async def fails_after(websocket: WebSocket) -> None:
        await websocket.accept()
        raise LookupError("after accept")

    return api


async def test_refusals_are_the_release_exception_kinds(api):
    with pytest.raises(NoWebSocketRoute, match="No WebSocket handler found for path: /ws/none"):
        await WebSocketTestClient(api, "/ws/none", query_string="a=1").connect()

    with pytest.raises(HandshakeDenied) as unauthenticated:
        await WebSocketTestClient(api, "/ws/login").connect()
    assert isinstance(unauthenticated.value, PermissionError)
    assert unauthenticated.value.status_code == 401
    assert "Authentication required" in str(unauthenticated.value)
    assert "HTTP 401: Authentication required" in str(unauthenticated.value)  # our detail is kept

    token = pyjwt_token({"sub": "1", "is_superuser": False}, SECRET)
    with pytest.raises(PermissionError, match="Permission denied") as forbidden:
        await WebSocketTestClient(api, "/ws/admin", headers={"Authorization": f"Bearer {token}"}).connect()
    assert forbidden.value.status_code == 403

    with pytest.raises(HandshakeInvalid) as invalid:
        await WebSocketTestClient(api, "/ws/typed/abc", headers={"X-Count": "x"}).connect()
    assert isinstance(invalid.value, ValueError) and invalid.value.status_code == 422
    assert "Path parameter 'room'" in str(invalid.value)
    assert "Header 'x-count'" in str(invalid.value)
    assert [e["loc"] for e in invalid.value.detail] == [["path", "room"], ["header", "x-count"]]


async def test_rate_limit_is_shared_by_clients_with_the_same_options(api):
    options = {"cors_allowed_origins": ["https://a.example"], "read_django_settings": False}
    async with WebSocketTestClient(api, "/ws/limited", **options) as ws:
        assert await ws.receive_text() == "in"
    with pytest.raises(HandshakeDenied, match="Rate limit exceeded") as limited:
        await WebSocketTestClient(api, "/ws/limited", **options).connect()
    assert limited.value.status_code == 429


async def test_a_wildcard_origin_list_allows_every_origin(api):
    async with WebSocketTestClient(
        api,
        "/ws/open",
        headers={"Origin": "https://any.example"},
        cors_allowed_origins=["*"],
        read_django_settings=False,
    ) as ws:
        assert await ws.receive_text() == "open"
    with pytest.raises(HandshakeDenied, match="Origin not allowed"):
        await WebSocketTestClient(
            api,
            "/ws/open",
            headers={"Origin": "https://any.example"},
            cors_allowed_origins=[],
            read_django_settings=False,
        ).connect()


async def test_receive_before_accept_gives_the_connect_event(api):
    async with WebSocketTestClient(api, "/ws/connect-event", query_string="q=%20x") as ws:
        assert await ws.receive_json() == {"first": {"type": "websocket.connect"}, "query": "q=%20x"}


async def test_a_handler_error_after_accept_is_raised_when_the_block_ends(api):
    with pytest.raises(LookupError, match="after accept"):
        async with WebSocketTestClient(api, "/ws/fails-after") as ws:
            assert await ws.wait_closed() == 1011
    async with WebSocketTestClient(api, "/ws/fails-after", raise_server_exceptions=False) as ws:
        assert await ws.wait_closed() == 1011


async def test_two_open_clients_keep_their_errors_apart(api):
    quiet = WebSocketTestClient(api, "/ws/open")
    async with quiet:
        with pytest.raises(LookupError):
            async with WebSocketTestClient(api, "/ws/fails-after") as failing:
                await failing.wait_closed()
        assert await quiet.receive_text() == "open"
    assert isinstance(NoWebSocketRoute(404), HandshakeRejected)


async def test_the_handshake_timeout_gives_up_and_the_handler_sees_the_client_gone():
    api = BoltAPI()
    outcome = []

    @api.websocket("/ws/slow")
    async def slow(websocket: WebSocket) -> None:
        await asyncio.sleep(0.6)
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            outcome.append(exc.code)

    assert HANDSHAKE_TIMEOUT == 5.0
    with pytest.raises(TimeoutError, match="neither accepted nor refused"):
        await WebSocketTestClient(api, "/ws/slow", handshake_timeout=0.2).connect()
    deadline = asyncio.get_running_loop().time() + 5
    while not outcome and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    assert outcome == [1006]
    async with WebSocketClient(api, "/ws/slow", handshake_timeout=3) as ws:
        assert ws.accepted


async def test_two_jwt_backends_the_one_whose_key_verifies_says_why_it_refuses():
    revoked = {"a": {"gone-a"}, "b": {"gone-b"}}
    checked = []

    def revocation(name: str):
        async def is_revoked(jti: str) -> bool:
            checked.append((name, jti))
            return jti in revoked[name]

        return is_revoked

    key_a, key_b = SECRET, SECRET[::-1]
    backends = [
        JWTAuthentication(secret=key_a, revoked_token_handler=revocation("a")),
        JWTAuthentication(secret=key_b, revoked_token_handler=revocation("b")),
    ]
    api = BoltAPI()

    @api.websocket("/ws", auth=backends, guards=[IsAuthenticated()])
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("in")

    @api.get("/http", auth=backends, guards=[IsAuthenticated()])
    async def http_route() -> dict:
        return {"ok": True}

    def token(key: str, jti: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {pyjwt_token({'sub': '1', 'jti': jti, 'exp': time.time() + 60}, key)}"}

    async def connect(key: str, jti: str) -> str:
        async with WebSocketTestClient(api, "/ws", headers=token(key, jti)) as ws:
            return await ws.receive_text()

    assert await connect(key_b, "gone-a") == "in"  # a's list does not revoke b's token
    for key, jti in ((key_a, "gone-a"), (key_b, "gone-b")):
        with pytest.raises(HandshakeDenied) as denied:
            await connect(key, jti)
        assert (denied.value.status_code, denied.value.detail) == (401, "Token has been revoked")
    assert checked == [("b", "gone-a"), ("a", "gone-a"), ("b", "gone-b")]
    with TestClient(api) as client:
        response = client.get("/http", headers=token(key_b, "gone-b"))
        assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})
        assert client.get("/http", headers=token("not-the-key-of-either-backend!!!", "x")).status_code == 401
