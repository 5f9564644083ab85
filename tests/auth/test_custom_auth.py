"""Custom authentication backends: ``BaseAuthentication`` subclasses implementing
``authenticate(request)`` (sync or async) run in the route's Python stage chain after Rust's
backends found no credential; the route's guards apply to the identity they return."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    AllowAny,
    AuthenticationFailed,
    BaseAuthentication,
    BasePermission,
    IsAuthenticated,
    IsStaff,
    JWTAuthentication,
    Requires,
)

from .conftest import bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


class HeaderToken(BaseAuthentication):
    """``X-Token: <name>`` names a caller; ``X-Token: bad`` is a wrong credential."""

    scheme = "Token"

    def __init__(self) -> None:
        self.calls = 0

    def authenticate(self, request):
        self.calls += 1
        token = request.headers.get("x-token")
        if token is None:
            return None
        if token == "bad":
            raise AuthenticationFailed("Token is not valid")
        return {"sub": token, "role": "admin" if token == "root" else "user"}


class AsyncHeaderToken(HeaderToken):
    async def authenticate(self, request):
        return HeaderToken.authenticate(self, request)


def _routes(api: BoltAPI, backend: BaseAuthentication) -> None:
    @api.get("/sync", auth=[backend])
    def sync_route(request: Request) -> dict:
        return {"context": request.context}

    @api.get("/async", auth=[backend])
    async def async_route(request: Request) -> dict:
        return {"context": request.context}

    @api.get("/admin", auth=[backend], guards=[Requires("role", "admin")])
    async def admin(request: Request) -> dict:
        return {"admin": request.context["sub"]}

    @api.get("/open", auth=[backend], guards=[AllowAny()])
    def open_route(request: Request) -> dict:
        return {"context": request.context}


@pytest.mark.parametrize("backend_class", [HeaderToken, AsyncHeaderToken])
def test_custom_backend_authenticates_and_refuses(client_for, backend_class):
    backend = backend_class()
    api = BoltAPI()
    _routes(api, backend)
    client = client_for(api)
    for path in ("/sync", "/async"):
        anonymous = client.get(path)
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["www-authenticate"] == 'Token realm="api"'
        assert anonymous.json() == {"detail": "Authentication required"}
        wrong = client.get(path, headers={"X-Token": "bad"})
        assert wrong.status_code == 401
        assert wrong.json() == {"detail": "Token is not valid"}
        assert wrong.headers["www-authenticate"] == 'Token realm="api"'
        ok = client.get(path, headers={"X-Token": "ann"})
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"context": {"sub": "ann", "role": "user"}}
    assert backend.calls == 6
    # Claim guards (compiled for Rust) apply to the Python identity too.
    assert client.get("/admin", headers={"X-Token": "ann"}).status_code == 403
    assert client.get("/admin", headers={"X-Token": "root"}).json() == {"admin": "root"}
    assert client.get("/admin").status_code == 401
    # AllowAny: nobody identified is fine, an identity still fills the context.
    assert client.get("/open").json() == {"context": None}
    assert client.get("/open", headers={"X-Token": "ann"}).json()["context"]["sub"] == "ann"


def test_backends_are_tried_in_order_after_the_rust_ones(client_for):
    class Never(BaseAuthentication):
        def authenticate(self, request):
            return None

    second = HeaderToken()
    api = BoltAPI(auth=[JWTAuthentication(), Never(), second], guards=[IsAuthenticated()])

    @api.get("/who")
    def who(request: Request) -> dict:
        return {"backend": request.auth_backend, "sub": request.context["sub"]}

    client = client_for(api)
    assert client.get("/who", headers={"X-Token": "zed"}).json() == {"backend": None, "sub": "zed"}
    # A token verified in Rust: the Python backends are not asked.
    calls = second.calls
    assert client.get("/who", headers=bearer(pyjwt_token(claims(sub="7")))).json() == {"backend": "jwt", "sub": "7"}
    assert second.calls == calls
    # A bad token is refused in Rust even though a Python backend would accept the request.
    r = client.get("/who", headers={**bearer("x.y.z"), "X-Token": "zed"})
    assert r.status_code == 401
    r = client.get("/who")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="api", Token realm="api"'


@pytest.mark.django_db(transaction=True)
def test_a_returned_user_becomes_request_user_and_meets_the_guards(client_for):
    staff = get_user_model().objects.create_user("sam", password="pw", is_staff=True)
    get_user_model().objects.create_user("pat", password="pw")

    class ByUsername(BaseAuthentication):
        scheme = "User"

        async def authenticate(self, request):
            name = request.headers.get("x-user")
            if name is None:
                return None
            return await get_user_model().objects.filter(username=name).afirst()

    class NotPat(BasePermission):
        message = "not pat"

        def has_permission(self, request) -> bool:
            return request.user.username != "pat"

    api = BoltAPI(auth=[ByUsername()])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"id": request.user.id, "username": request.context["username"]}

    @api.get("/sync-me")
    def sync_me(request: Request) -> dict:
        return {"id": request.user.id, "staff": request.context["is_staff"]}

    @api.get("/staff", guards=[IsStaff()])
    def staff_only() -> dict:
        return {"ok": True}

    @api.get("/not-pat", guards=[NotPat()])
    async def not_pat() -> dict:
        return {"ok": True}

    client = client_for(api)
    assert client.get("/me", headers={"X-User": "sam"}).json() == {"id": staff.id, "username": "sam"}
    assert client.get("/sync-me", headers={"X-User": "sam"}).json() == {"id": staff.id, "staff": True}
    assert client.get("/me", headers={"X-User": "nobody"}).status_code == 401
    assert client.get("/staff", headers={"X-User": "sam"}).json() == {"ok": True}
    assert client.get("/staff", headers={"X-User": "pat"}).status_code == 403
    assert client.get("/not-pat", headers={"X-User": "pat"}).json() == {"detail": "not pat"}
    assert client.get("/not-pat", headers={"X-User": "sam"}).json() == {"ok": True}


def test_a_backend_that_cannot_authenticate_is_refused_at_startup():
    class Forgotten(BaseAuthentication):
        def check(self, request):
            return {"sub": "x"}

    api = BoltAPI()

    @api.get("/forgotten", auth=[Forgotten()])
    def forgotten() -> dict:
        return {}

    with pytest.raises(TypeError, match=r"GET /forgotten.*Forgotten.*authenticate\(request\)"):
        api.compile()


def test_a_rust_backend_with_an_authenticate_method_is_refused():
    class Hybrid(JWTAuthentication):
        def authenticate(self, request):
            return {"sub": "anyone"}

    api = BoltAPI()

    @api.get("/hybrid", auth=[Hybrid()])
    def hybrid() -> dict:
        return {}

    with pytest.raises(TypeError, match=r"GET /hybrid.*never be called"):
        api.compile()


def test_plain_user_objects_anonymous_users_and_wrong_identities(client_for):
    from django.contrib.auth.models import AnonymousUser

    class Member:
        id = 42
        username = "member"

    class Plain(BaseAuthentication):
        def authenticate(self, request):
            kind = request.headers.get("x-kind")
            return {"member": Member(), "anonymous": AnonymousUser(), "text": "alice"}.get(kind)

    api = BoltAPI(auth=[Plain()])

    @api.get("/who")
    async def who(request: Request) -> dict:
        return {"id": request.user.id, "context": request.context}

    client = client_for(api)
    r = client.get("/who", headers={"X-Kind": "member"})
    assert r.json() == {
        "id": 42,
        "context": {
            "sub": "42",
            "username": "member",
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
            "permissions": [],
        },
    }
    assert client.get("/who", headers={"X-Kind": "anonymous"}).status_code == 401
    # A backend returning something that is no identity is a server bug: 500, never a login.
    assert client.get("/who", headers={"X-Kind": "text"}).status_code == 500
