"""A handler registered on several routes keeps, on each route, the ``@middleware``,
``@skip_middleware``, ``@cors`` and ``@rate_limit`` settings it had when that route was registered:
decorating it again before the next registration changes only the later routes."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.middleware import cors, middleware, skip_middleware


def _marking(header: str) -> type:
    class Marks:
        def __init__(self, get_response):
            self.get_response = get_response

        async def __call__(self, request):
            response = await self.get_response(request)
            response.headers[header] = "1"
            return response

    Marks.__name__ = Marks.__qualname__ = f"Marks{header[2:]}"
    return Marks


MarksA = _marking("x-A")
MarksB = _marking("x-B")


async def marks_function(request, call_next):
    response = await call_next(request)
    response.headers["x-F"] = "1"
    return response


def _marks(response) -> set[str]:
    return {name for name in ("x-a", "x-b", "x-f") if name in response.headers}


@pytest.mark.parametrize("first", ["/one", "/two"])
def test_each_route_keeps_its_own_skip_list(client_for, first):
    api = BoltAPI(middleware=[MarksA, MarksB])

    async def handler() -> dict:
        return {}

    api.get("/one")(skip_middleware("MarksA")(handler))
    api.get("/two")(skip_middleware("MarksB")(handler))  # the handler now skips both

    client = client_for(api)
    client.get(first)
    assert _marks(client.get("/one")) == {"x-b"}
    assert _marks(client.get("/two")) == set()


def test_route_middleware_added_later_applies_only_to_later_routes(client_for):
    api = BoltAPI()

    async def handler() -> dict:
        return {}

    api.get("/before")(middleware(MarksA)(handler))
    api.get("/after")(middleware(marks_function)(handler))

    client = client_for(api)
    assert _marks(client.get("/before")) == {"x-a"}
    assert _marks(client.get("/after")) == {"x-a", "x-f"}


def test_a_cors_policy_added_later_applies_only_to_later_routes(client_for):
    api = BoltAPI()

    async def handler() -> dict:
        return {}

    api.get("/plain")(handler)
    api.get("/shared")(cors(origins=["https://app.example"])(handler))

    client = client_for(api, read_django_settings=False)
    origin = {"origin": "https://app.example"}
    assert "access-control-allow-origin" not in client.get("/plain", headers=origin).headers
    assert client.get("/shared", headers=origin).headers["access-control-allow-origin"] == "https://app.example"
