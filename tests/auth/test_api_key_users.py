"""An ``APIKeyAuthentication`` subclass overriding ``get_user_sync``/``get_user`` (the release's way)
gives ``request.user``: the loader gets ``"apikey:<key>"``; a plain API-key backend has no user."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, Request
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated

pytestmark = pytest.mark.django_db(transaction=True)


class SyncKeyUsers(APIKeyAuthentication):
    def get_user_sync(self, user_id):
        name = {"apikey:key-of-ann": "ann"}.get(user_id)
        return None if name is None else get_user_model().objects.get(username=name)


class AsyncKeyUsers(APIKeyAuthentication):
    async def get_user(self, user_id, auth_context):
        assert auth_context["auth_backend"] == "api_key"
        name = {"apikey:key-of-bob": "bob"}.get(user_id)
        return None if name is None else await get_user_model().objects.aget(username=name)


def test_a_sync_override_loads_the_user_of_the_key(client_for):
    get_user_model().objects.create_user("ann")
    api = BoltAPI(auth=[SyncKeyUsers(api_keys=["key-of-ann", "key-of-nobody"])], guards=[IsAuthenticated()])

    @api.get("/me")
    def me(request: Request) -> dict:
        return {"username": request.user.username, "authenticated": request.user.is_authenticated}

    client = client_for(api)
    assert client.get("/me", headers={"x-api-key": "key-of-ann"}).json() == {"username": "ann", "authenticated": True}
    # A valid key whose loader finds no user: anonymous.
    assert client.get("/me", headers={"x-api-key": "key-of-nobody"}).json() == {
        "username": "",
        "authenticated": False,
    }


def test_an_async_override_serves_auser(client_for):
    get_user_model().objects.create_user("bob")
    api = BoltAPI(auth=[AsyncKeyUsers(api_keys=["key-of-bob"])], guards=[IsAuthenticated()])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"username": (await request.auser()).username}

    assert client_for(api).get("/me", headers={"x-api-key": "key-of-bob"}).json() == {"username": "bob"}


def test_a_plain_api_key_has_no_user(client_for):
    api = BoltAPI(auth=[APIKeyAuthentication(api_keys=["k"])], guards=[IsAuthenticated()])

    @api.get("/me")
    def me(request: Request) -> dict:
        return {"user_id": request.user_id, "authenticated": request.user.is_authenticated}

    assert client_for(api).get("/me", headers={"x-api-key": "k"}).json() == {"user_id": None, "authenticated": False}
