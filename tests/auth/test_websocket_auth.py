"""WebSocket routes reuse the compiled auth check: 401/403 before the upgrade, in Rust, then in the
route's Python stage chain (custom backends and guards)."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI, Depends, Request, WebSocket
from django_bolt.auth import BaseAuthentication, BasePermission, IsAuthenticated, JWTAuthentication, Requires
from django_bolt.testing import HandshakeRejected, WebSocketTestClient

from .conftest import claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def app():
    api = BoltAPI(auth=[JWTAuthentication()], guards=[IsAuthenticated()])

    @api.websocket("/ws/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())

    @api.websocket("/ws/admin", guards=[Requires("role", "admin")])
    async def admin(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi admin")

    return api.compile()


async def test_websocket_requires_a_valid_token(app):
    with pytest.raises(HandshakeRejected) as rejected:
        await WebSocketTestClient(app, "/ws/echo", timeout=3.0).connect()
    assert rejected.value.status_code == 401
    with pytest.raises(HandshakeRejected) as rejected:
        await WebSocketTestClient(app, "/ws/echo", timeout=3.0, headers={"authorization": "Bearer x.y.z"}).connect()
    assert rejected.value.status_code == 401
    good = {"authorization": f"Bearer {pyjwt_token(claims())}"}
    async with WebSocketTestClient(app, "/ws/echo", timeout=3.0, headers=good) as ws:
        await ws.send_text("ping")
        assert await ws.receive_text() == "ping"


async def test_websocket_claim_guards(app):
    user = {"authorization": f"Bearer {pyjwt_token(claims(role='user'))}"}
    with pytest.raises(HandshakeRejected) as rejected:
        await WebSocketTestClient(app, "/ws/admin", timeout=3.0, headers=user).connect()
    assert rejected.value.status_code == 403
    admin = {"authorization": f"Bearer {pyjwt_token(claims(role='admin'))}"}
    async with WebSocketTestClient(app, "/ws/admin", timeout=3.0, headers=admin) as ws:
        assert await ws.receive_text() == "hi admin"


async def test_python_guards_and_backends_run_before_the_upgrade():
    """The route's Python stage chain runs before the handler: its 401/403 answer the upgrade."""

    class OpenDoor(BasePermission):
        message = "door closed"

        async def has_permission(self, request) -> bool:
            return request.headers.get("x-door") == "open"

    class TicketAuth(BaseAuthentication):
        scheme = "Ticket"

        def authenticate(self, request):
            return {"ticket": request.query["ticket"]} if "ticket" in request.query else None

    api = BoltAPI()

    @api.websocket("/ws", auth=[JWTAuthentication(), TicketAuth()], guards=[OpenDoor()])
    async def ws(websocket: WebSocket, request: Request) -> None:
        await websocket.accept()
        await websocket.send_json(request.context)

    app = api.compile()
    with pytest.raises(HandshakeRejected) as rejected:
        await WebSocketTestClient(app, "/ws", timeout=3.0, headers={"x-door": "open"}).connect()
    assert rejected.value.status_code == 401
    with pytest.raises(HandshakeRejected) as rejected:
        await WebSocketTestClient(app, "/ws?ticket=t1", timeout=3.0).connect()
    assert rejected.value.status_code == 403
    async with WebSocketTestClient(app, "/ws?ticket=t1", timeout=3.0, headers={"x-door": "open"}) as conn:
        assert await conn.receive_json() == {"ticket": "t1"}


async def test_websocket_dependencies_run_in_the_chain():
    def room(request: Request, name: str = "lobby") -> str:
        return f"{name}@{request.path}"

    api = BoltAPI()

    @api.websocket("/ws/room")
    async def ws(websocket: WebSocket, where: str = Depends(room)) -> None:
        await websocket.accept()
        await websocket.send_text(where)

    app = api.compile()
    async with WebSocketTestClient(app, "/ws/room?name=kitchen", timeout=3.0) as conn:
        assert await conn.receive_text() == "kitchen@/ws/room"


def test_a_refused_upgrade_is_a_permission_error_as_in_the_release():
    """401/403/429 at the handshake raise ``HandshakeDenied``, also a ``PermissionError``; a
    ``cors_allowed_origins=["*"]`` client allows any origin (the release's client options)."""
    import asyncio

    from django_bolt.testing import HandshakeDenied

    api = BoltAPI()

    @api.websocket("/ws", auth=[JWTAuthentication(secret="ws-permission-secret")], guards=[IsAuthenticated()])
    async def ws(websocket) -> None:
        await websocket.accept()

    async def connect() -> None:
        async with WebSocketTestClient(api, "/ws", cors_allowed_origins=["*"], read_django_settings=False):
            pass

    with pytest.raises(PermissionError, match="Authentication required") as refused:
        asyncio.run(connect())
    assert isinstance(refused.value, HandshakeDenied) and refused.value.status_code == 401
