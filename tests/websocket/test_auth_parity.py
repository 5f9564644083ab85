"""Every ``auth=``/``guards=`` that works on an HTTP route works on a WebSocket route: the same
401/403 answers (status and detail) before the upgrade, and the same user after it. Session
cookies, Django permissions and custom Python backends and guards run through the route's stage
chain on both."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django_bolt import BoltAPI, Request, WebSocket
from django_bolt.auth import (
    BaseAuthentication,
    BasePermission,
    HasPermission,
    IsAuthenticated,
    IsStaff,
    JWTAuthentication,
    SessionAuthentication,
)
from django_bolt.testing import HandshakeRejected, TestClient, WebSocketTestClient

from tests.auth.conftest import claims, pyjwt_token

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


class EvenTicket(BasePermission):
    message = "odd tickets stay out"

    async def has_permission(self, request) -> bool:
        return int(request.headers.get("x-ticket", "1")) % 2 == 0


class HeaderName(BaseAuthentication):
    scheme = "Name"

    def authenticate(self, request):
        name = request.headers.get("x-name")
        return {"name": name} if name else None


#: name → (auth, guards), each served as an HTTP route and a WebSocket route.
CONFIGS = {
    "session": ([SessionAuthentication()], [IsAuthenticated()]),
    "session-staff": ([SessionAuthentication()], [IsStaff()]),
    "session-perm": ([SessionAuthentication()], [HasPermission("auth.view_user")]),
    "jwt-or-session-custom-guard": ([JWTAuthentication(), SessionAuthentication()], [EvenTicket()]),
    "custom-backend": ([HeaderName()], [IsAuthenticated()]),
}


@pytest.fixture
def apps():
    api = BoltAPI()
    for name, (auth, guards) in CONFIGS.items():

        @api.get(f"/http/{name}", auth=auth, guards=guards)
        async def http(request: Request) -> dict:
            user = await request.auser()
            return {"user": getattr(user, "username", None)}

        @api.websocket(f"/ws/{name}", auth=auth, guards=guards)
        async def ws(websocket: WebSocket, request: Request) -> None:
            await websocket.accept()
            user = await request.auser()
            await websocket.send_json({"user": getattr(user, "username", None)})

    client = TestClient(api)
    yield client, api.compile()
    client.close()


def session_headers(user) -> dict[str, str]:
    django_client = Client()
    django_client.force_login(user)
    return {"cookie": f"sessionid={django_client.cookies['sessionid'].value}"}


async def answers(apps, name: str, headers: dict[str, str]) -> tuple[tuple, tuple]:
    """(HTTP status, body) and the WebSocket's (101 and its first message, or the refusal)."""
    client, compiled = apps
    resp = client.get(f"/http/{name}", headers=headers)
    http = (resp.status_code, resp.json() if resp.status_code == 200 else resp.json()["detail"])
    try:
        async with WebSocketTestClient(compiled, f"/ws/{name}", headers=headers, timeout=5.0) as conn:
            ws = (200, await conn.receive_json())
    except HandshakeRejected as rejected:
        ws = (rejected.status_code, rejected.detail)
    return http, ws


async def test_websocket_routes_answer_like_http_routes(apps):
    from asgiref.sync import sync_to_async

    @sync_to_async
    def users():
        model = get_user_model()
        plain = model.objects.create_user("plain")
        staff = model.objects.create_user("boss", is_staff=True)
        viewer = model.objects.create_user("viewer")
        viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
        return {name: session_headers(u) for name, u in [("plain", plain), ("staff", staff), ("viewer", viewer)]}

    sessions = await users()
    token = {"authorization": f"Bearer {pyjwt_token(claims(sub='tok'))}"}
    credentials = {
        "nobody": {},
        "bad-cookie": {"cookie": "sessionid=forged"},
        **sessions,
        "jwt-even": {**token, "x-ticket": "2"},
        "jwt-odd": {**token, "x-ticket": "3"},
        "session-even": {**sessions["plain"], "x-ticket": "4"},
        "named": {"x-name": "zed"},
    }
    seen_statuses = set()
    for name in CONFIGS:
        for who, headers in credentials.items():
            http, ws = await answers(apps, name, headers)
            assert http == ws, (name, who, http, ws)
            seen_statuses.add(http[0])
    # The table exercises admission, both refusals, on both kinds of route.
    assert seen_statuses == {200, 401, 403}
