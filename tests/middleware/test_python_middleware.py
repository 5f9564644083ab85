"""Python middleware in process: the release's forms (Django-style sync classes, BaseMiddleware,
function middleware), API/router/route levels in order, short-circuits, exclusions,
@skip_middleware by name, and the built-in Timing/Logging/ErrorHandler middleware."""

from __future__ import annotations

import logging

import pytest
from django_bolt import BoltAPI, Router
from django_bolt._compile import RouteDefinitionError
from django_bolt.middleware import (
    BaseMiddleware,
    ErrorHandlerMiddleware,
    LoggingMiddleware,
    TimingMiddleware,
    middleware,
    skip_middleware,
)

from tests.testapp.python_middleware_api import api


@pytest.fixture
def client(client_for):
    return client_for(api)


def test_api_middleware_sees_request_and_response_of_async_and_sync_handlers(client):
    for path in ("/mw/async", "/mw/sync"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.json()["order"] == ["api"]
        assert r.headers["x-order"] == "api"
        assert r.headers["x-response-time"].endswith("s")
    body = client.get("/mw/async").json()
    assert body["request_id"] and len(body["request_id"]) == 36


def test_router_middleware_runs_inside_the_apis(client):
    r = client.get("/mw/router/hello")
    assert r.json() == {"order": ["api", "router"]}
    assert r.headers["x-order"] == "api,router"


def test_route_middleware_sync_class_and_function(client):
    for path in ("/mw/tagged", "/mw/tagged-sync"):
        r = client.get(path)
        assert r.json() == {"tag": "sync"}
        assert r.headers["x-tag"] == "sync"
    assert client.get("/mw/tagged").headers["x-audit"] == "GET"


def test_short_circuit_and_exclusions(client):
    r = client.get("/mw/gated")
    assert r.status_code == 418
    assert r.json() == {"detail": "gate closed"}
    assert r.headers["x-order"] == "api"  # outer middleware saw the gate's answer
    assert client.get("/mw/gated", headers={"x-key": "let-me-in"}).json() == {"passed": True}
    assert client.get("/mw/open/thing").json() == {"passed": True}  # exclude_paths


def test_skip_middleware_by_name_and_star(client):
    for path in ("/mw/skipped", "/mw/none"):
        r = client.get(path)
        assert r.status_code == 200
        assert "x-order" not in r.headers and "x-request-id" not in r.headers


def test_plain_results_keep_status_and_type_and_errors_pass_through(client):
    r = client.get("/mw/created")
    assert (r.status_code, r.text, r.headers["content-type"]) == (201, "made", "text/plain; charset=utf-8")
    r = client.get("/mw/fails")
    assert (r.status_code, r.json()) == (404, {"detail": "no such thing"})


def test_response_model_still_applies_under_middleware(client_for):
    import msgspec

    class Out(msgspec.Struct):
        id: int

    local = BoltAPI(middleware=[TimingMiddleware])

    @local.get("/shaped", response_model=Out)
    async def shaped() -> dict:
        return {"id": 1, "secret": "x"}

    r = client_for(local).get("/shaped")
    assert r.json() == {"id": 1}
    assert "x-request-id" in r.headers


def test_error_handler_and_logging_middleware(client_for, caplog):
    local = BoltAPI(middleware=[ErrorHandlerMiddleware, LoggingMiddleware])

    @local.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("kaput")

    @local.get("/fine")
    def fine() -> dict:
        return {"ok": True}

    client = client_for(local)
    with caplog.at_level(logging.INFO):
        r = client.get("/boom")
        assert (r.status_code, r.json()) == (500, {"detail": "Internal Server Error"})
        assert client.get("/fine?x=1").json() == {"ok": True}
    messages = [record.getMessage() for record in caplog.records]
    assert any("Unhandled exception: kaput" in m for m in messages)
    assert any("Response: 200 for GET /fine" in m for m in messages)


def test_routes_without_middleware_have_no_chain():
    plain = BoltAPI()

    @plain.get("/bare")
    async def bare() -> dict:
        return {}

    record = plain._compile_route(plain.routes[0])
    assert record["chain"] is None


def test_bad_middleware_entries_are_refused():
    class Mw(BaseMiddleware):
        async def process_request(self, request):
            return await self.get_response(request)

    class Plain:
        def __init__(self, get_response):
            self.get_response = get_response

        async def __call__(self, request):
            return await self.get_response(request)

    for instance in (Mw(lambda r: r), Plain(lambda r: r)):
        with pytest.raises(TypeError, match="is a middleware instance. Pass middleware classes instead"):
            BoltAPI(middleware=[instance])
        with pytest.raises(TypeError, match="Pass middleware classes instead"):
            Router(middleware=[instance])
    with pytest.raises(TypeError, match="not a middleware class"):
        BoltAPI(middleware=["nope"])
    with pytest.raises(TypeError, match="django_middleware"):
        BoltAPI(django_middleware="yes")
    with pytest.raises(TypeError, match="use @cors"):
        middleware(cors={"origins": ["*"]})


def test_skip_names_matching_nothing_are_refused():
    local = BoltAPI(middleware=[TimingMiddleware])

    @local.get("/x")
    @skip_middleware("TimingMiddlware")
    @middleware(TimingMiddleware)
    async def x() -> dict:
        return {}

    with pytest.raises(RouteDefinitionError, match="TimingMiddlware"):
        local.compile()


def test_middleware_base_exclude_methods_and_django_errors_under_error_handler(client_for):
    from django.core.exceptions import PermissionDenied
    from django_bolt.middleware import Middleware

    class Mark(Middleware):
        async def process_request(self, request):
            response = await self.get_response(request)
            response.headers["X-Mark"] = "1"
            return response

    class NotOnPost(BaseMiddleware):
        exclude_methods = ["post"]

        async def process_request(self, request):
            response = await self.get_response(request)
            response.headers["X-Not-Post"] = "1"
            return response

    local = BoltAPI(middleware=[ErrorHandlerMiddleware, Mark, NotOnPost])

    @local.get("/thing")
    async def get_thing() -> dict:
        return {}

    @local.post("/thing")
    async def post_thing() -> dict:
        return {}

    @local.get("/denied")
    def denied() -> dict:
        raise PermissionDenied("not yours")

    client = client_for(local)
    got = client.get("/thing")
    assert got.headers["x-mark"] == "1" and got.headers["x-not-post"] == "1"
    posted = client.post("/thing")
    assert posted.headers["x-mark"] == "1" and "x-not-post" not in posted.headers
    # Django's exceptions keep their status through ErrorHandlerMiddleware.
    r = client.get("/denied")
    assert (r.status_code, r.json()) == (403, {"detail": "not yours"})
