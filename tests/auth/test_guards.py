"""Guards: Rust claim checks, the older names, custom permissions in Python, app-level and settings
defaults, API keys."""

from __future__ import annotations

import asyncio

import pytest
from django.test import override_settings
from django_bolt import BoltAPI, Request, Router
from django_bolt.auth import (
    AllowAny,
    APIKeyAuthentication,
    BasePermission,
    HasAllPermissions,
    HasAnyPermission,
    HasPermission,
    IsAdminUser,
    IsAuthenticated,
    IsStaff,
    JWTAuthentication,
    Requires,
)

from .conftest import bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def token(**extra) -> dict[str, str]:
    return bearer(pyjwt_token(claims(**extra)))


def guarded(*guards) -> BoltAPI:
    api = BoltAPI(auth=[JWTAuthentication()])

    @api.get("/x", guards=list(guards))
    async def x() -> dict:
        return {"ok": True}

    return api


@pytest.mark.parametrize(
    ("guard", "good", "bad"),
    [
        (Requires("permissions", "blog.add"), {"permissions": ["blog.add", "x"]}, {"permissions": ["x"]}),
        (Requires("role", "admin", "owner"), {"role": "owner"}, {"role": "user"}),
        (Requires("roles", all_of=["a", "b"]), {"roles": ["b", "a", "c"]}, {"roles": ["a"]}),
        (Requires("role", none_of=["banned"]), {"role": "user"}, {"role": "banned"}),
        (Requires("is_staff", True), {"is_staff": True}, {"is_staff": "true"}),
        (Requires("verified"), {"verified": 1}, {"verified": 0}),
        (Requires("realm.roles", "ops"), {"realm": {"roles": ["ops"]}}, {"realm": {"roles": []}}),
        (Requires("scope", all_of=["read", "write"]), {"scope": "read write"}, {"scope": "read"}),
        (Requires("level", 3), {"level": 3}, {"level": "3"}),
        (IsAdminUser(), {"is_superuser": True}, {"is_superuser": False}),
        (IsStaff(), {"is_staff": True}, {}),
        (HasPermission("a.view"), {"permissions": ["a.view"]}, {"permissions": ["a.change"]}),
        (HasAnyPermission("a.view", "a.add"), {"permissions": ["a.add"]}, {"permissions": []}),
        (HasAllPermissions("a.view", "a.add"), {"permissions": ["a.add", "a.view"]}, {"permissions": ["a.add"]}),
    ],
)
def test_claim_guards(client_for, guard, good, bad):
    client = client_for(guarded(guard))
    assert client.get("/x", headers=token(**good)).status_code == 200
    r = client.get("/x", headers=token(**bad))
    assert r.status_code == 403
    assert "www-authenticate" not in r.headers
    assert r.json()["detail"] == guard.denial
    none = client.get("/x")
    assert none.status_code == 401
    assert none.headers["www-authenticate"] == 'Bearer realm="api"'


def test_requires_message_and_cumulative_guards(client_for):
    client = client_for(guarded(Requires("tier", "gold", message="Gold only"), Requires("role", none_of=["banned"])))
    assert client.get("/x", headers=token(tier="silver")).json() == {"detail": "Gold only"}
    assert client.get("/x", headers=token(tier="gold", role="banned")).status_code == 403
    assert client.get("/x", headers=token(tier="gold", role="member")).status_code == 200


def test_requires_rejects_bad_arguments():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        Requires("")
    with pytest.raises(ImproperlyConfigured):
        Requires("x", "a", all_of=["b"])
    with pytest.raises(ImproperlyConfigured):
        Requires("x", ["list"])
    # A string would be checked character by character, an empty list would check nothing.
    for bad in ({"all_of": "a.b"}, {"none_of": "banned"}, {"all_of": []}, {"none_of": ()}):
        with pytest.raises(ImproperlyConfigured, match="list/tuple|must not be empty"):
            Requires("x", **bad)
    for message in ("", object()):
        with pytest.raises(ImproperlyConfigured, match="message"):
            Requires("x", "a", message=message)


def test_allow_any_and_optional_auth(client_for):
    api = BoltAPI(auth=[JWTAuthentication()])

    @api.get("/open", guards=[AllowAny()])
    async def open_(request: Request) -> dict:
        return {"context": request.context}

    client = client_for(api)
    assert client.get("/open").json() == {"context": None}
    assert client.get("/open", headers=token(a=1)).json()["context"]["a"] == 1
    # A credential that is presented must be valid, even where anonymous calls are allowed.
    assert client.get("/open", headers=bearer("not.a.token")).status_code == 401


class OddUserId(BasePermission):
    message = "Odd users only"

    def has_permission(self, request) -> bool:
        return int(request.context["sub"]) % 2 == 1


class AsyncHeaderCheck(BasePermission):
    message = "Header missing"

    async def has_permission(self, request) -> bool:
        await asyncio.sleep(0)
        return request.headers.get("x-ok") == "1"


@pytest.mark.parametrize("handler_is_async", [True, False])
def test_custom_permissions_really_run(client_for, handler_is_async):
    api = BoltAPI(auth=[JWTAuthentication()], guards=[IsAuthenticated(), OddUserId(), AsyncHeaderCheck()])
    calls = []
    if handler_is_async:

        @api.get("/x")
        async def x(n: int = 0) -> dict:
            calls.append(n)
            return {"n": n}
    else:

        @api.get("/x")
        def x(n: int = 0) -> dict:
            calls.append(n)
            return {"n": n}

    client = client_for(api)
    assert client.get("/x?n=5", headers={**token(sub="3"), "x-ok": "1"}).json() == {"n": 5}
    assert client.get("/x", headers={**token(sub="4"), "x-ok": "1"}).json() == {"detail": "Odd users only"}
    assert client.get("/x", headers=token(sub="3")).json() == {"detail": "Header missing"}
    assert client.get("/x", headers={"x-ok": "1"}).status_code == 401
    assert calls == [5]


def test_custom_permission_without_authentication_is_401(client_for):
    class Never(BasePermission):
        def has_permission(self, request) -> bool:
            return False

    client = client_for(guarded(Never()))
    r = client.get("/x")
    assert r.status_code == 401 and r.headers["www-authenticate"]
    assert client.get("/x", headers=token()).status_code == 403


def test_route_overrides_app_and_router_levels(client_for):
    api = BoltAPI(auth=[JWTAuthentication()], guards=[IsAuthenticated()])
    router = Router(prefix="/staff", guards=[IsStaff()])

    @api.get("/app")
    async def app_level() -> dict:
        return {}

    @api.get("/public", guards=[AllowAny()])
    async def public() -> dict:
        return {}

    @api.get("/no-auth", auth=[], guards=[])
    async def no_auth() -> dict:
        return {}

    @router.get("/area")
    async def area() -> dict:
        return {}

    api.include_router(router)
    mounted = BoltAPI(auth=[APIKeyAuthentication(api_keys=["k-123"])], guards=[IsAuthenticated()])

    @mounted.get("/inner")
    async def inner() -> dict:
        return {}

    api.mount("/m", mounted)
    client = client_for(api)
    assert client.get("/app").status_code == 401
    assert client.get("/app", headers=token()).status_code == 200
    assert client.get("/public").status_code == 200
    assert client.get("/no-auth").status_code == 200
    assert client.get("/staff/area", headers=token()).status_code == 403
    assert client.get("/staff/area", headers=token(is_staff=True)).status_code == 200
    assert client.get("/m/inner", headers=token()).status_code == 401
    assert client.get("/m/inner", headers={"x-api-key": "k-123"}).status_code == 200


def test_settings_defaults(client_for):
    with override_settings(
        BOLT_AUTHENTICATION_CLASSES=[JWTAuthentication()],
        BOLT_DEFAULT_PERMISSION_CLASSES=["django_bolt.auth.IsAuthenticated"],
    ):
        api = BoltAPI()

        @api.get("/x")
        async def x(request: Request) -> dict:
            return {"sub": request.context["sub"]}

        @api.get("/free", guards=[AllowAny()])
        async def free() -> dict:
            return {}

        client = client_for(api)
        client.get("/free")  # compiles while the settings are active
    assert client.get("/x").status_code == 401
    assert client.get("/x", headers=token(sub="9")).json() == {"sub": "9"}
    assert client.get("/free").status_code == 200


def test_api_keys_with_permissions(client_for):
    auth = APIKeyAuthentication(api_keys=["plain-key-1"], key_permissions={"admin-key-2": ["blog.add", "blog.delete"]})
    api = BoltAPI(auth=[auth])

    @api.get("/read", guards=[IsAuthenticated()])
    async def read(request: Request) -> dict:
        return {"context": request.context, "user": str(request.user)}

    @api.delete("/post", guards=[HasPermission("blog.delete")])
    async def delete() -> dict:
        return {"deleted": True}

    client = client_for(api)
    r = client.get("/read", headers={"X-API-Key": "plain-key-1"})
    assert r.status_code == 200
    ctx = r.json()["context"]
    assert ctx["auth_type"] == "api_key" and ctx["permissions"] == [] and "plain-key-1" not in ctx["key_id"]
    assert r.json()["user"] == "AnonymousUser"
    assert client.delete("/post", headers={"X-API-Key": "plain-key-1"}).status_code == 403
    assert client.delete("/post", headers={"X-API-Key": "admin-key-2"}).json() == {"deleted": True}
    bad = client.get("/read", headers={"X-API-Key": "plain-key-"})
    assert bad.status_code == 401 and bad.json() == {"detail": "Invalid API key"}
    assert bad.headers["www-authenticate"] == 'ApiKey realm="api"'
    assert client.get("/read").status_code == 401


def test_api_key_in_authorization_header(client_for):
    api = BoltAPI(auth=[APIKeyAuthentication(api_keys=["abc"], header="Authorization")], guards=[IsAuthenticated()])

    @api.get("/x")
    async def x() -> dict:
        return {}

    client = client_for(api)
    assert client.get("/x", headers={"Authorization": "Bearer abc"}).status_code == 200
    assert client.get("/x", headers={"Authorization": "ApiKey abc"}).status_code == 200
    assert client.get("/x", headers={"Authorization": "Bearer abd"}).status_code == 401


def test_multiple_backends(client_for):
    api = BoltAPI(auth=[JWTAuthentication(), APIKeyAuthentication(api_keys=["key-9"])], guards=[IsAuthenticated()])

    @api.get("/who")
    async def who(request: Request) -> dict:
        return {"backend": request.auth_backend}

    client = client_for(api)
    assert client.get("/who", headers=token()).json() == {"backend": "jwt"}
    assert client.get("/who", headers={"x-api-key": "key-9"}).json() == {"backend": "api_key"}
    r = client.get("/who")
    assert r.headers["www-authenticate"] == 'Bearer realm="api", ApiKey realm="api"'


def test_rate_limit_keyed_by_user_uses_the_verified_identity(client_for):
    from django_bolt.middleware import rate_limit

    api = BoltAPI(auth=[JWTAuthentication()], guards=[IsAuthenticated()])

    @api.get("/limited")
    @rate_limit(rps=0.01, burst=2, key="user")
    async def limited() -> dict:
        return {}

    client = client_for(api)
    ann = token(sub="ann")
    assert [client.get("/limited", headers=ann).status_code for _ in range(3)] == [200, 200, 429]
    # Another user has a budget of their own, even though both send an Authorization header.
    assert client.get("/limited", headers=token(sub="bob")).status_code == 200
    # A new token for the same user does not reset the budget.
    assert client.get("/limited", headers=token(sub="ann", jti="other")).status_code == 429
