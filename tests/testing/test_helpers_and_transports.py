"""``create_test_client`` and the clients' httpx transports as public names."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from django_bolt import BoltAPI
from django_bolt.testing.client import AsyncBoltTestTransport, BoltTestTransport, TestClient
from django_bolt.testing.helpers import create_test_client


def _api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/items/{item_id}")
    async def item(item_id: int):
        return {"id": item_id}

    @api.get("/boom")
    async def boom():
        raise RuntimeError("handler failed")

    return api


def test_create_test_client_raises_handler_errors_by_default():
    with create_test_client(_api()) as client:
        assert isinstance(client, TestClient)
        assert client.get("/items/3").json() == {"id": 3}
        with pytest.raises(RuntimeError, match="handler failed"):
            client.get("/boom")
    with create_test_client(_api(), raise_server_exceptions=False, base_url="http://other.test") as client:
        response = client.get("/boom")
        assert response.status_code == 500
        assert str(response.request.url) == "http://other.test/boom"


def test_the_clients_transports_are_the_public_classes():
    with TestClient(_api()) as client:
        assert isinstance(client._transport_of_bolt, BoltTestTransport)


def test_transports_serve_a_plain_httpx_client():
    api = _api()
    with httpx.Client(transport=BoltTestTransport(api), base_url="http://testserver") as client:
        assert client.get("/items/7").json() == {"id": 7}
        with pytest.raises(RuntimeError, match="handler failed"):
            client.get("/boom")
    quiet = BoltTestTransport(api.compile(), raise_server_exceptions=False, share_db=False)
    with httpx.Client(transport=quiet, base_url="http://testserver") as client:
        assert client.get("/boom").status_code == 500

    async def run() -> tuple[int, int]:
        transport = AsyncBoltTestTransport(api, raise_server_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return (await client.get("/items/8")).status_code, (await client.get("/boom")).status_code

    assert asyncio.run(run()) == (200, 500)
