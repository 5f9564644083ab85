"""SessionAuthentication: Django's session cookie identifies the user; unsafe methods pass Django's
CSRF check; claim guards and custom permissions see the session user."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django_bolt import BoltAPI, Request
from django_bolt.auth import HasPermission, IsAuthenticated, IsStaff, JWTAuthentication, SessionAuthentication

from .conftest import bearer, claims, pyjwt_token

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def session_cookie(user) -> str:
    django_client = Client()
    django_client.force_login(user)
    return django_client.cookies["sessionid"].value


@pytest.fixture
def api() -> BoltAPI:
    api = BoltAPI(auth=[JWTAuthentication(), SessionAuthentication()], guards=[IsAuthenticated()])

    @api.get("/me")
    def me(request: Request) -> dict:
        return {"username": request.user.username, "backend": request.auth_backend}

    @api.get("/ame")
    async def ame(request: Request) -> dict:
        user = await request.auser()
        return {"username": user.username}

    @api.post("/change")
    def change(request: Request) -> dict:
        return {"changed": request.user.username}

    @api.get("/staff", guards=[IsStaff()])
    def staff() -> dict:
        return {"staff": True}

    @api.get("/perm", guards=[HasPermission("auth.view_user")])
    def perm() -> dict:
        return {"perm": True}

    return api


def test_session_user_sync_and_async(client_for, api):
    user = get_user_model().objects.create_user("dora", password="pw")
    client = client_for(api)
    cookie = {"Cookie": f"sessionid={session_cookie(user)}"}
    assert client.get("/me", headers=cookie).json() == {"username": "dora", "backend": None}
    assert client.get("/ame", headers=cookie).json() == {"username": "dora"}
    anonymous = client.get("/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="api", Session realm="api"'
    assert client.get("/me", headers={"Cookie": "sessionid=forged"}).status_code == 401
    # A JWT still works on the same routes (checked in Rust first).
    assert client.get("/me", headers=bearer(pyjwt_token(claims(sub=str(user.pk))))).json()["backend"] == "jwt"


def test_session_csrf_on_unsafe_methods(client_for, api):
    user = get_user_model().objects.create_user("eve", password="pw")
    client = client_for(api)
    sid = session_cookie(user)
    r = client.post("/change", headers={"Cookie": f"sessionid={sid}"})
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    ok = client.post("/change", headers={"Cookie": f"sessionid={sid}; csrftoken={token}", "X-CSRFToken": token})
    assert ok.json() == {"changed": "eve"}
    wrong = client.post(
        "/change", headers={"Cookie": f"sessionid={sid}; csrftoken={token}", "X-CSRFToken": _get_new_csrf_string()}
    )
    assert wrong.status_code == 403


def test_session_user_claim_guards(client_for, api):
    model = get_user_model()
    plain = model.objects.create_user("fay", password="pw")
    staff = model.objects.create_user("gus", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = client_for(api)
    assert client.get("/staff", headers={"Cookie": f"sessionid={session_cookie(plain)}"}).status_code == 403
    assert client.get("/staff", headers={"Cookie": f"sessionid={session_cookie(staff)}"}).json() == {"staff": True}
    assert client.get("/perm", headers={"Cookie": f"sessionid={session_cookie(plain)}"}).status_code == 403
    assert client.get("/perm", headers={"Cookie": f"sessionid={session_cookie(staff)}"}).json() == {"perm": True}
    assert client.get("/perm").status_code == 401
