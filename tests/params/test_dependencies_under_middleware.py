"""Dependencies are resolved inside the route's middleware, right before the handler: they see
what middleware put on the request (Django's session user for ``CurrentUser``, a tenant)."""

from __future__ import annotations

from typing import Annotated

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.views.decorators.csrf import csrf_exempt
from django_bolt import BoltAPI, CurrentUser, Depends, Request
from django_bolt.middleware import DjangoMiddleware

pytestmark = pytest.mark.django_db(transaction=True)


class Tenant:
    """A Python middleware naming the tenant of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        request.state["tenant"] = request.headers.get("x-tenant", "none")
        return await self.get_response(request)


def tenant_of(request: Request) -> str:
    return request.state["tenant"]


@pytest.mark.parametrize("handler_is_async", [False, True], ids=["sync", "async"])
def test_a_dependency_reads_what_middleware_set(client_for, handler_is_async):
    api = BoltAPI(middleware=[Tenant])
    if handler_is_async:

        @api.get("/tenant")
        async def tenant(name: Annotated[str, Depends(tenant_of)]) -> dict:
            return {"tenant": name}

    else:

        @api.get("/tenant")
        def tenant(name: Annotated[str, Depends(tenant_of)]) -> dict:
            return {"tenant": name}

    assert client_for(api).get("/tenant", headers={"x-tenant": "acme"}).json() == {"tenant": "acme"}


@pytest.mark.parametrize("handler_is_async", [False, True], ids=["sync", "async"])
def test_current_user_is_the_user_of_djangos_session(client_for, handler_is_async):
    api = BoltAPI(
        middleware=[
            DjangoMiddleware("django.contrib.sessions.middleware.SessionMiddleware"),
            DjangoMiddleware("django.contrib.auth.middleware.AuthenticationMiddleware"),
        ]
    )

    @api.post("/login")
    @csrf_exempt
    def log_in(request: Request, username: str) -> dict:
        login(request, User.objects.get(username=username))
        return {"ok": True}

    if handler_is_async:

        @api.get("/me")
        async def me(user: CurrentUser) -> dict:
            return {"username": user.username}

    else:

        @api.get("/me")
        def me(user: CurrentUser) -> dict:
            return {"username": user.username}

    User.objects.create_user("linus")
    client = client_for(api)
    assert client.get("/me").status_code == 401
    assert client.post("/login?username=linus").json() == {"ok": True}
    response = client.get("/me")
    assert response.status_code == 200, response.text
    assert response.json() == {"username": "linus"}
