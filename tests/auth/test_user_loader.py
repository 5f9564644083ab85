"""Custom user loading the release's way (a ``JWTAuthentication`` subclass overriding
``get_user_sync``/``get_user``) and the functions of ``django_bolt.auth.user_loader``."""

from __future__ import annotations

import asyncio

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    IsAuthenticated,
    JWTAuthentication,
    get_registered_backend,
    load_user,
    register_auth_backend,
)
from django_bolt.auth.user_loader import (
    default_django_user_aloader,
    default_django_user_loader,
    load_user_by_pk_sync,
    load_user_sync,
)
from django_bolt.auth.users import DjangoUserLoader

from .conftest import bearer, claims, pyjwt_token

pytestmark = [
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
    pytest.mark.django_db(transaction=True),
]


def test_sync_override_loads_request_user(client_for):
    get_user_model().objects.create_user("by-name", password="pw")
    calls = []

    class ByUsername(JWTAuthentication):
        def get_user_sync(self, user_id):
            calls.append(user_id)
            return get_user_model().objects.filter(username=user_id).first()

    api = BoltAPI()

    @api.get("/async", auth=[ByUsername()], guards=[IsAuthenticated()])
    async def in_async(request: Request) -> dict:
        return {"username": request.user.username}

    @api.get("/sync", auth=[ByUsername()], guards=[IsAuthenticated()])
    def in_sync(request: Request) -> dict:
        return {"username": request.user.username, "anonymous": False}

    client = client_for(api)
    token = pyjwt_token(claims(sub="by-name"))
    assert client.get("/async", headers=bearer(token)).json() == {"username": "by-name"}
    assert client.get("/sync", headers=bearer(token)).json() == {"username": "by-name", "anonymous": False}
    assert calls == ["by-name", "by-name"]
    # None from the override is AnonymousUser, as for the default loader.
    r = client.get("/async", headers=bearer(pyjwt_token(claims(sub="nobody"))))
    assert r.json() == {"username": ""}


def test_async_override_serves_auser_and_names_the_fix_for_sync_reads(client_for):
    get_user_model().objects.create_user("async-name", password="pw")
    contexts = []

    class ByUsername(JWTAuthentication):
        async def get_user(self, user_id, auth_context):
            contexts.append(auth_context)
            return await get_user_model().objects.filter(username=user_id).afirst()

    api = BoltAPI()

    @api.get("/auser", auth=[ByUsername()], guards=[IsAuthenticated()])
    async def via_auser(request: Request) -> dict:
        user = await request.auser()
        return {"username": user.username, "same": request.user is user}

    @api.get("/sync", auth=[ByUsername()], guards=[IsAuthenticated()])
    def sync_read(request: Request) -> dict:
        try:
            return {"username": request.user.username}
        except RuntimeError as exc:
            return {"error": str(exc)}

    client = client_for(api)
    token = pyjwt_token(claims(sub="async-name", is_staff=True))
    assert client.get("/auser", headers=bearer(token)).json() == {"username": "async-name", "same": True}
    assert contexts[0]["user_id"] == "async-name" and contexts[0]["is_staff"] is True
    assert contexts[0]["auth_claims"]["sub"] == "async-name"
    assert "await request.auser()" in client.get("/sync", headers=bearer(token)).json()["error"]


def test_override_and_user_loader_together_are_refused():
    class Both(JWTAuthentication):
        def get_user_sync(self, user_id):
            return None

    with pytest.raises(ImproperlyConfigured, match="one way"):
        Both(user_loader=DjangoUserLoader())


def test_loader_functions():
    model = get_user_model()
    user = model.objects.create_user("fn", password="pw")
    assert load_user_by_pk_sync(model, str(user.pk)) == user
    assert load_user_by_pk_sync(model, "not-a-key") is None
    assert load_user_by_pk_sync(model, "999999") is None
    assert default_django_user_loader(str(user.pk)) == user
    assert default_django_user_loader("999999", None) is None
    assert asyncio.run(default_django_user_aloader(str(user.pk), None)) == user
    assert JWTAuthentication().get_user_sync(str(user.pk)) == user

    backend = JWTAuthentication()
    register_auth_backend("main-jwt", backend)
    assert get_registered_backend("main-jwt") is backend
    assert load_user_sync(str(user.pk), "main-jwt") == user
    assert asyncio.run(load_user(str(user.pk), "main-jwt")) == user
    assert asyncio.run(load_user(str(user.pk), "unregistered")) is None
    assert asyncio.run(load_user(None, "main-jwt")) is None
    assert load_user_sync(str(user.pk), "unregistered") == user
