"""The release's request helpers: ``request.get("auth"/"context", default)``, and the test
client's ``query()`` (the HTTP QUERY method)."""

from __future__ import annotations

import msgspec
from django_bolt import BoltAPI
from django_bolt.auth import APIKeyAuthentication
from django_bolt.testing import AsyncTestClient


class Search(msgspec.Struct):
    term: str


def test_get_auth_and_context_give_the_default_without_an_identity(client_for):
    api = BoltAPI()

    @api.get("/anon")
    async def anon(request):
        return {
            "auth": request.get("auth"),
            "context": request.get("context", "none"),
            "method": request.get("method", "ignored"),
        }

    @api.get("/keyed", auth=[APIKeyAuthentication(api_keys={"k1"})])
    async def keyed(request):
        return {"auth_backend": request.get("auth", {})["auth_backend"], "same": request["auth"] == request.context}

    client = client_for(api)
    assert client.get("/anon").json() == {"auth": None, "context": "none", "method": "GET"}
    assert client.get("/keyed", headers={"X-API-Key": "k1"}).json() == {"auth_backend": "api_key", "same": True}


def test_query_method_from_the_test_clients(client_for):
    api = BoltAPI()

    @api.query("/search")
    async def search(q: Search):
        return {"term": q.term}

    assert client_for(api).query("/search", json={"term": "x"}).json() == {"term": "x"}

    async def run():
        async with AsyncTestClient(api) as client:
            return (await client.query("/search", json={"term": "y"})).json()

    import asyncio

    assert asyncio.run(run()) == {"term": "y"}
