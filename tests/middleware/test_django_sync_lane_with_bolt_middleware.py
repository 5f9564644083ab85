"""A sync route with Django middleware runs its whole middleware chain on the request's thread (its
lane), bolt middleware included: an async bolt middleware inside or around the Django stack runs
under ``async_to_sync`` there, and its user read (sync on the loop, or ``await request.auser()``)
loads on that thread, with the thread-local state the Django hook set."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import jwt
import pytest
from django.utils.deprecation import MiddlewareMixin
from django_bolt import BoltAPI, Request
from django_bolt.auth import JWTAuthentication
from django_bolt.concurrency import in_lane_mode
from django_bolt.middleware import DjangoMiddlewareStack

SECRET = "sync-lane-bolt-middleware-secret-of-32-chars-or-more"
_tenant = threading.local()


class _ThreadLocalTenant(MiddlewareMixin):
    def process_request(self, request):
        _tenant.name = request.path.rsplit("/", 1)[-1]


def _where() -> dict:
    return {"tenant": getattr(_tenant, "name", None), "thread": threading.get_ident()}


class _CountingTenantAuth(JWTAuthentication):
    loads = 0

    def get_user_sync(self, user_id):
        type(self).loads += 1
        return SimpleNamespace(username=f"user{user_id}", loaded=_where())


class _SyncUserReadOnTheLoop:
    """An async bolt middleware reading ``request.user`` without awaiting (on its loop)."""

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        loaded = request.user.loaded
        response = await self.get_response(request)
        response.headers["X-Loaded-Tenant"] = str(loaded["tenant"])
        response.headers["X-Loaded-Thread"] = str(loaded["thread"])
        return response


class _AwaitedUserRead(_SyncUserReadOnTheLoop):
    async def __call__(self, request):
        loaded = (await request.auser()).loaded
        response = await self.get_response(request)
        response.headers["X-Loaded-Tenant"] = str(loaded["tenant"])
        response.headers["X-Loaded-Thread"] = str(loaded["thread"])
        return response


def _headers() -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode({"sub": "3", "exp": int(time.time()) + 60}, SECRET, "HS256")}


def _api(middleware: list) -> BoltAPI:
    api = BoltAPI(middleware=middleware)

    @api.get("/user/{tenant}", auth=[_CountingTenantAuth(secret=SECRET)])
    def user(tenant: str, request: Request) -> dict:
        return {"handler": _where(), "loaded": request.user.loaded, "on_lane": in_lane_mode()}

    return api


@pytest.mark.parametrize("reader", [_SyncUserReadOnTheLoop, _AwaitedUserRead], ids=["sync-read", "auser"])
def test_an_async_bolt_middleware_inside_the_stack_loads_the_user_on_the_lane(client_for, reader):
    client = client_for(_api([DjangoMiddlewareStack([_ThreadLocalTenant]), reader]))
    _CountingTenantAuth.loads = 0
    for tenant in ("acme", "globex"):
        response = client.get(f"/user/{tenant}", headers=_headers())
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["on_lane"] is True
        assert body["handler"] == {"tenant": tenant, "thread": body["handler"]["thread"]}
        assert response.headers["x-loaded-tenant"] == tenant
        assert response.headers["x-loaded-thread"] == str(body["handler"]["thread"])
        assert body["loaded"] == body["handler"]  # the handler reuses the user loaded once
    assert _CountingTenantAuth.loads == 2


def test_an_async_bolt_middleware_around_the_stack_runs_on_the_lane_too(client_for):
    # Outside the stack the hook has not run yet: the user loads on the handler's thread anyway.
    client = client_for(_api([_SyncUserReadOnTheLoop, DjangoMiddlewareStack([_ThreadLocalTenant])]))
    response = client.get("/user/acme", headers=_headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["handler"]["tenant"] == "acme"
    assert response.headers["x-loaded-thread"] == str(body["handler"]["thread"])


def test_a_sync_route_without_django_middleware_is_not_on_a_lane(client_for):
    client = client_for(_api([_SyncUserReadOnTheLoop]))
    response = client.get("/user/acme", headers=_headers())
    assert response.status_code == 200, response.text
    assert response.json()["on_lane"] is False
