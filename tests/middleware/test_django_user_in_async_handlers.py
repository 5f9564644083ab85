"""``request.user`` set by Django's ``AuthenticationMiddleware``, read plainly in an ``async def``
handler: Django's lazy user would query the database on the event loop (Django refuses that), so
it is loaded, awaited, before such a handler runs; with a stack of middleware and with one
``DjangoMiddleware`` entry per class alike."""

from __future__ import annotations

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.views.decorators.csrf import csrf_exempt
from django_bolt import BoltAPI, Request
from django_bolt.middleware import DjangoMiddleware

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_AND_AUTH = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def _api(api: BoltAPI) -> BoltAPI:
    @api.post("/login")
    @csrf_exempt
    def log_in(request: Request, username: str) -> dict:
        login(request, User.objects.get(username=username))
        return {"ok": True}

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"username": request.user.username, "authenticated": request.user.is_authenticated}

    return api


@pytest.mark.parametrize(
    "make_api",
    [
        pytest.param(lambda: BoltAPI(django_middleware=SESSION_AND_AUTH), id="stack"),
        pytest.param(lambda: BoltAPI(middleware=[DjangoMiddleware(path) for path in SESSION_AND_AUTH]), id="single"),
    ],
)
def test_an_async_handler_reads_the_session_user_plainly(client_for, make_api):
    User.objects.create_user("grace")
    client = client_for(_api(make_api()))
    assert client.get("/me").json() == {"username": "", "authenticated": False}
    assert client.post("/login?username=grace").json() == {"ok": True}
    response = client.get("/me")
    assert response.status_code == 200, response.text
    assert response.json() == {"username": "grace", "authenticated": True}
