"""APIs merged by runbolt (a ``BOLT_API`` list): the first one owns the docs, so its OpenAPI
config and its middleware apply to the docs pages, which describe every API's routes."""

from __future__ import annotations

from django_bolt import BoltAPI
from django_bolt.discovery import merge_apis
from django_bolt.middleware import Middleware
from django_bolt.openapi import OpenAPIConfig


class _Stamp(Middleware):
    async def process_request(self, request):
        response = await self.get_response(request)
        response.headers["X-Docs-Owner"] = "first"
        return response


def test_the_docs_run_through_the_first_apis_middleware(client_for):
    first = BoltAPI(middleware=[_Stamp], openapi_config=OpenAPIConfig(title="Owner", version="2"))
    second = BoltAPI()

    @first.get("/one")
    async def one() -> dict:
        return {}

    @second.get("/two")
    async def two() -> dict:
        return {}

    client = client_for(merge_apis([first, second]))
    document = client.get("/docs/openapi.json")
    assert document.status_code == 200
    assert document.headers["x-docs-owner"] == "first"
    assert document.json()["info"]["title"] == "Owner"
    assert {"/one", "/two"} <= set(document.json()["paths"])
    assert client.get("/one").headers["x-docs-owner"] == "first"
    assert "x-docs-owner" not in client.get("/two").headers


def test_register_openapi_routes_puts_the_docs_behind_the_given_middleware(client_for):
    from django_bolt.openapi.routes import OpenAPIRouteRegistrar

    api = BoltAPI()

    @api.get("/one")
    async def one() -> dict:
        return {}

    OpenAPIRouteRegistrar(api).register_routes()  # no middleware given: nothing changes
    assert api.docs_middleware is None
    api._register_openapi_routes(middleware=[_Stamp])
    client = client_for(api)
    document = client.get("/docs/openapi.json")
    assert (document.status_code, document.headers["x-docs-owner"]) == (200, "first")
    assert "/one" in document.json()["paths"]
    assert "x-docs-owner" not in client.get("/one").headers
