"""``django_bolt.middleware.middleware``: the release's names for checking a middleware list."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.middleware import BaseMiddleware, middleware
from django_bolt.middleware.middleware import FunctionMiddlewareSpec, normalize_middleware_specs


class Stamp(BaseMiddleware):
    async def process_request(self, request):
        response = await self.get_response(request)
        response.headers["x-stamp"] = "1"
        return response


async def tag(request, call_next):
    response = await call_next(request)
    response.headers["x-tag"] = "1"
    return response


def test_the_decorator_keeps_its_name():
    assert callable(middleware) and middleware.__module__ == "django_bolt.middleware.base"


def test_entries_are_checked_as_the_api_checks_them(api, client_for):
    settings = {"cors": {"origins": ["https://a.example"]}}
    normalized = normalize_middleware_specs([Stamp, settings, tag], context="route", allow_function_middleware=True)
    assert normalized[:2] == [Stamp, settings]
    assert isinstance(normalized[2], FunctionMiddlewareSpec) and normalized[2].func is tag
    assert normalize_middleware_specs(None, context="api") == []

    with pytest.raises(TypeError, match="api: Stamp\\(...\\) is a middleware instance"):
        normalize_middleware_specs([Stamp(lambda r: None)], context="api")
    with pytest.raises(TypeError, match="api: .* is not a middleware class"):
        normalize_middleware_specs([tag], context="api")
    with pytest.raises(TypeError, match="only accepted on a route"):
        normalize_middleware_specs([FunctionMiddlewareSpec(tag)], context="api")

    # What it accepts, the server runs.
    checked = BoltAPI(middleware=normalize_middleware_specs([Stamp], context="BoltAPI(middleware=)"))

    @checked.get("/")
    @middleware(*normalize_middleware_specs([tag], context="route", allow_function_middleware=True))
    async def index() -> dict:
        return {}

    r = client_for(checked).get("/")
    assert (r.headers["x-stamp"], r.headers["x-tag"]) == ("1", "1")
