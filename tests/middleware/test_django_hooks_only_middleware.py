"""Old-style Django middleware (``MIDDLEWARE_CLASSES`` era): a class with hooks and no
``__call__``. The stack runs its hooks as ``MiddlewareMixin`` would, in sync and async routes;
a class with neither is refused when routes are compiled."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django_bolt import BoltAPI
from django_bolt.middleware import DjangoMiddleware, DjangoMiddlewareStack

_tenant = threading.local()


class _OldStyle:
    """Hooks only: no ``__call__``, no MiddlewareMixin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_request(self, request):
        if request.path.endswith("/blocked"):
            return HttpResponse("blocked by process_request", status=403)
        _tenant.name = request.path.rsplit("/", 1)[-1]
        return None

    def process_view(self, request, view, args, kwargs):
        if request.path.endswith("/viewblocked"):
            return HttpResponse("blocked by process_view", status=409)
        return None

    def process_response(self, request, response):
        response["X-Old-Style"] = "ran"
        return response


class _NothingToRun:
    def __init__(self, get_response):
        pass


def _api(middleware: list) -> BoltAPI:
    api = BoltAPI(middleware=middleware)

    @api.get("/sync/{tenant}")
    def sync_route(tenant: str) -> dict:
        return {"tenant": getattr(_tenant, "name", None)}

    @api.get("/async/{tenant}")
    async def async_route(tenant: str) -> dict:
        await asyncio.sleep(0)
        return {"reached": tenant}

    return api


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_hooks_of_a_class_without_call_run(client_for, kind):
    client = client_for(_api([DjangoMiddlewareStack([_OldStyle])]))
    response = client.get(f"/{kind}/acme")
    assert response.status_code == 200, response.text
    assert response.headers["x-old-style"] == "ran"
    if kind == "sync":
        assert response.json() == {"tenant": "acme"}  # process_request ran on the handler's thread
    blocked = client.get(f"/{kind}/blocked")
    assert (blocked.status_code, blocked.text) == (403, "blocked by process_request")
    assert blocked.headers["x-old-style"] == "ran"
    view_blocked = client.get(f"/{kind}/viewblocked")
    assert (view_blocked.status_code, view_blocked.text) == (409, "blocked by process_view")
    assert view_blocked.headers["x-old-style"] == "ran"


def test_a_class_with_no_call_and_no_hooks_is_refused(client_for):
    with pytest.raises(ImproperlyConfigured, match="not callable and has none of process_request"):
        client_for(_api([DjangoMiddleware(_NothingToRun)]))
