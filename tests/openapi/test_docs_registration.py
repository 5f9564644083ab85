"""``api._register_openapi_routes()`` (``OpenAPIRouteRegistrar``): the docs routes are made when
the API is compiled; once registered, the release's route table (``api._routes``) lists them."""

from __future__ import annotations

from django_bolt import BoltAPI
from django_bolt.openapi import OpenAPIConfig


def test_registered_docs_routes_appear_in_the_route_table_as_compile_serves_them():
    api = BoltAPI(openapi_config=OpenAPIConfig(title="T", version="1", path="/api-docs"))

    @api.get("/hello")
    async def hello() -> str:
        return "hello"

    assert [(m, p) for m, p, _, _ in api._routes] == [("GET", "/hello")]
    api._register_openapi_routes()
    table = [(m, p) for m, p, _, _ in api._routes]
    assert table[0] == ("GET", "/hello")
    assert {("GET", "/api-docs/openapi.json"), ("GET", "/api-docs/openapi.yaml"), ("GET", "/api-docs")} <= set(table)
    compiled = {(r.method, r.path) for r in api._docs_routes([api._compile_parts(r) for r in api.routes])}
    assert set(table[1:]) == compiled
    assert [i for _, _, i, _ in api._routes] == list(range(len(table)))


def test_docs_off_add_no_routes():
    api = BoltAPI(openapi_config=OpenAPIConfig(title="T", version="1", enabled=False))

    @api.get("/hello")
    async def hello() -> str:
        return "hello"

    api._register_openapi_routes()
    assert [(m, p) for m, p, _, _ in api._routes] == [("GET", "/hello")]
