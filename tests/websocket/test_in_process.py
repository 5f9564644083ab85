"""WebSockets in process: WebSocketTestClient drives the server's Rust WebSocket code over an
in-memory stream (handshake checks, handler, frames, ping/pong, limits, close handshake)."""

from __future__ import annotations

import asyncio
import time

import pytest
from django_bolt import BoltAPI, WebSocket
from django_bolt.conf import BoltConfig
from django_bolt.testing import ConnectionClosed, HandshakeRejected, TestClient, WebSocketTestClient

from tests.websocket import ws_api

MAX_MESSAGE = 1024
CONFIG = BoltConfig.build(ws_max_message_bytes=MAX_MESSAGE, ws_allowed_origins=("http://allowed.test",))


@pytest.fixture(scope="module")
def app():
    return ws_api.api.compile(CONFIG)


def connect(app, path: str, **kwargs) -> WebSocketTestClient:
    return WebSocketTestClient(app, path, timeout=3.0, **kwargs)


async def test_echo_text_bytes_json(app):
    async with connect(app, "/ws/echo") as ws:
        await ws.send_text("héllo")
        assert await ws.receive_text() == "héllo"
        await ws.send_bytes(b"\x00\xff")
        assert await ws.receive_bytes() == b"\x00\xff"
    assert ws.close_code == 1000
    async with connect(app, "/ws/json") as ws:
        await ws.send_json({"a": [1, 2]})
        assert await ws.receive_json() == {"echo": {"a": [1, 2]}}
        await ws.send_json([3], mode="binary")
        assert await ws.receive_json() == {"echo": [3]}


async def test_parameters_compile_as_on_http_routes(app):
    async with connect(app, "/ws/room/7", query_string="name=ann", headers={"x-team": "blue"}) as ws:
        assert await ws.receive_json() == {"room": 7, "name": "ann", "team": "blue", "path": "/ws/room/7"}
        with pytest.raises(ConnectionClosed) as closed:
            await ws.receive()
        assert closed.value.code == 1000
    with pytest.raises(HandshakeRejected) as rejected:
        await connect(app, "/ws/room/seven").connect()
    assert rejected.value.status_code == 422


async def test_subprotocol_negotiation(app):
    async with connect(app, "/ws/proto", subprotocols=["chat.v1", "chat.v2"]) as ws:
        assert ws.accepted_subprotocol == "chat.v1"
        assert ws.response_headers["x-chosen"] == "chat.v1"
        assert await ws.receive_text() == "chat.v1"
    async with connect(app, "/ws/proto") as ws:
        assert ws.accepted_subprotocol is None
        assert await ws.receive_text() == ""


async def test_accepting_a_subprotocol_the_client_did_not_offer_fails_the_handshake():
    api = BoltAPI()

    @api.websocket("/ws")
    async def bad(websocket: WebSocket):
        await websocket.accept(subprotocol="other")

    with pytest.raises(HandshakeRejected) as rejected:
        await connect(api.compile(CONFIG), "/ws", subprotocols=["chat"], raise_server_exceptions=False).connect()
    assert rejected.value.status_code == 500


@pytest.mark.parametrize("name", ["Content-Length", "Transfer-Encoding", "Connection", "Upgrade"])
async def test_framing_headers_cannot_be_set_on_the_handshake(name):
    # The 101's framing and connection headers are the server's; one from user code is refused.
    api = BoltAPI()

    @api.websocket("/ws")
    async def framing(websocket: WebSocket):
        await websocket.accept(headers={name: "x"})

    with pytest.raises(HandshakeRejected) as rejected:
        await connect(api.compile(CONFIG), "/ws", raise_server_exceptions=False).connect()
    assert rejected.value.status_code == 500


async def test_server_close_code_and_reason(app):
    async with connect(app, "/ws/close/4001") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (4001, "bye")


async def test_handler_return_closes_normally_after_queued_messages(app):
    async with connect(app, "/ws/returns") as ws:
        assert await ws.receive_text() == "bye"
        assert await ws.wait_closed() == 1000


async def test_client_disconnect_raises_websocket_disconnect_in_handler(app):
    ws_api.disconnects.pop("inproc", None)
    async with connect(app, "/ws/probe/inproc") as ws:
        await ws.send_text("x")
        await ws.close(4002, "leaving")
    for _ in range(100):
        if "inproc" in ws_api.disconnects:
            break
        await asyncio.sleep(0.01)
    assert ws_api.disconnects["inproc"] == 4002


async def test_oversized_message_closes_with_1009(app):
    async with connect(app, "/ws/echo") as ws:
        await ws.send_text("a" * MAX_MESSAGE)
        assert len(await ws.receive_text()) == MAX_MESSAGE
        await ws.send_bytes(b"b" * (MAX_MESSAGE + 1))
        assert await ws.wait_closed() == 1009


async def test_invalid_utf8_text_closes_with_1007(app):
    async with connect(app, "/ws/echo") as ws:
        await ws.send_frame(1, b"\xff\xfe")
        assert await ws.wait_closed() == 1007


async def test_receive_text_decodes_binary_utf8_and_closes_1007_on_anything_else(app, caplog):
    async with connect(app, "/ws/crash-after", raise_server_exceptions=False) as ws:
        await ws.send_bytes("é".encode())  # decoded: the handler goes on to its own RuntimeError
        assert await ws.wait_closed() == 1011
    caplog.clear()
    async with connect(app, "/ws/crash-after", raise_server_exceptions=False) as ws:
        await ws.send_bytes(b"\xff\xfe")
        assert await ws.wait_closed() == 1007
    assert "after accept" not in caplog.text and "UnicodeDecodeError" not in caplog.text


async def test_fragmented_message_is_reassembled(app):
    async with connect(app, "/ws/echo") as ws:
        await ws.send_frame(1, "hé".encode()[:2], fin=False)
        await ws.ping(b"between fragments")
        await ws.send_frame(0, "hé".encode()[2:] + b"llo", fin=True)
        assert await ws.receive_text() == "héllo"


async def test_ping_is_answered_in_rust(app):
    async with connect(app, "/ws/echo") as ws:
        assert await ws.ping(b"are you there") == b"are you there"


async def test_send_queue_backpressure_keeps_order(app):
    async with connect(app, "/ws/burst") as ws:
        await ws.send_text("300")
        received = [await ws.receive_text() for _ in range(301)]
        assert received == [str(i) for i in range(300)] + ["done"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"sec-websocket-version": "8"}, 426),
        ({"sec-websocket-key": "not-a-key"}, 400),
        ({"connection": "keep-alive"}, 400),
        ({"origin": "http://evil.test"}, 403),
    ],
)
async def test_bad_handshakes_are_refused_before_the_handler(app, headers, status):
    with pytest.raises(HandshakeRejected) as rejected:
        await connect(app, "/ws/echo", headers=headers).connect()
    assert rejected.value.status_code == status
    assert isinstance(rejected.value.detail, str)


async def test_allowed_and_same_origins(app):
    for origin in ("http://allowed.test", "http://testserver"):
        async with connect(app, "/ws/echo", headers={"origin": origin}) as ws:
            assert await ws.ping() == b""


def test_plain_get_to_a_websocket_path_is_426(app):
    response = TestClient(app).get("/ws/echo")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"
    assert "WebSocket" in response.json()["detail"]
    assert TestClient(app).post("/ws/echo").status_code == 405


async def test_refusals_and_errors_before_accept_are_http_responses(app):
    for path, status in (
        ("/ws/refuse", 403),
        ("/ws/deny", 401),
        ("/ws/crash-before", 500),
        ("/ws/nowhere", 404),
    ):
        with pytest.raises(HandshakeRejected) as rejected:
            await connect(app, path, raise_server_exceptions=False).connect()
        assert rejected.value.status_code == status, path
    async with connect(app, "/ws/deny", query_string="token=let-me-in") as ws:
        assert await ws.receive_text() == "welcome"


async def test_error_after_accept_closes_with_1011(app, caplog):
    async with connect(app, "/ws/crash-after", raise_server_exceptions=False) as ws:
        await ws.send_text("go")
        assert await ws.wait_closed() == 1011
    assert "after accept" in caplog.text


def test_handler_must_be_async_and_take_a_websocket():
    api = BoltAPI()

    @api.websocket("/a")
    def sync_handler(websocket: WebSocket): ...

    with pytest.raises(TypeError, match="async def"):
        api.compile(CONFIG)
    api = BoltAPI()

    @api.websocket("/b")
    async def no_socket(x: int): ...

    with pytest.raises(TypeError, match="WebSocket"):
        api.compile(CONFIG)


async def test_origins_allowed_by_the_cors_settings():
    api = BoltAPI()

    @api.websocket("/ws")
    async def hello(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hi")

    app = api.compile(BoltConfig.build(cors_allowed_origins=("https://app.example",)))
    async with connect(app, "/ws", headers={"origin": "https://app.example"}) as ws:
        assert await ws.receive_text() == "hi"
    with pytest.raises(HandshakeRejected) as rejected:
        await connect(app, "/ws", headers={"origin": "https://other.example"}).connect()
    assert rejected.value.status_code == 403


async def test_rate_limit_applies_to_the_upgrade():
    from django_bolt.middleware import rate_limit

    api = BoltAPI()

    @api.websocket("/ws")
    @rate_limit(rps=0.1, burst=2)
    async def limited(websocket: WebSocket):
        await websocket.accept()

    app = api.compile(CONFIG)
    for _ in range(2):
        async with connect(app, "/ws"):
            pass
    with pytest.raises(HandshakeRejected) as rejected:
        await connect(app, "/ws").connect()
    assert rejected.value.status_code == 429


async def test_a_cancelled_receive_loses_no_message(app):
    async with connect(app, "/ws/patient") as ws:
        for i in range(20):
            await asyncio.sleep(0.003 * (i % 5))
            await ws.send_text(str(i))
        received = [await ws.receive_text() for _ in range(20)]
    assert [r.split(":")[0] for r in received] == [str(i) for i in range(20)]
    assert received[-1].endswith(":True")  # the handler did time out in between


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_auth_identity_reaches_the_handler(app):
    from tests.auth.conftest import claims, pyjwt_token

    with pytest.raises(HandshakeRejected) as rejected:
        await connect(app, "/ws/secure").connect()
    assert rejected.value.status_code == 401
    token = pyjwt_token(claims(sub="7"))
    async with connect(app, "/ws/secure", headers={"authorization": f"Bearer {token}"}) as ws:
        assert await ws.receive_json() == {"sub": "7"}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_identity_keyed_rate_limit_charges_each_user():
    from django_bolt.auth import JWTAuthentication
    from django_bolt.middleware import rate_limit

    from tests.auth.conftest import claims, pyjwt_token

    api = BoltAPI()

    @api.websocket("/ws", auth=[JWTAuthentication()])
    @rate_limit(rps=0.1, burst=1, key="user")
    async def limited(websocket: WebSocket):
        await websocket.accept()

    app = api.compile(CONFIG)

    def as_user(sub: str) -> dict[str, str]:
        return {"authorization": f"Bearer {pyjwt_token(claims(sub=sub))}"}

    async with connect(app, "/ws", headers=as_user("1")):
        pass
    async with connect(app, "/ws", headers=as_user("2")):
        pass
    with pytest.raises(HandshakeRejected) as rejected:
        await connect(app, "/ws", headers=as_user("1")).connect()
    assert rejected.value.status_code == 429


async def test_max_connections_bounds_open_websockets_and_gives_slots_back():
    limited = ws_api.api.compile(BoltConfig.build(ws_max_connections=2))
    # Refusals and failures before accept hold no slot once answered.
    for path in ("/ws/refuse", "/ws/crash-before", "/asgi/refuse", "/asgi/boom"):
        with pytest.raises(HandshakeRejected) as refused:
            await connect(limited, path, raise_server_exceptions=False).connect()
        assert refused.value.status_code in (403, 500), path
    async with connect(limited, "/ws/echo") as first, connect(limited, "/asgi/echo"):
        await first.send_text("1")
        assert await first.receive_text() == "1"
        with pytest.raises(HandshakeRejected) as busy:
            await connect(limited, "/ws/echo").connect()
        assert (busy.value.status_code, busy.value.detail) == (503, "Too many WebSocket connections")
    # Closed connections gave their slots back: the server side ends just after the close frame,
    # so the client may see the close first (waited for, boundedly: a loaded machine is slow).
    deadline = time.monotonic() + 15
    while True:
        try:
            async with connect(limited, "/ws/echo") as again, connect(limited, "/ws/echo"):
                await again.send_text("2")
                assert await again.receive_text() == "2"
            break
        except HandshakeRejected:
            if time.monotonic() > deadline:
                pytest.fail("the slots of closed connections were not given back")
            await asyncio.sleep(0.02)
