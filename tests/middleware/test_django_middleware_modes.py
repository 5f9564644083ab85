"""How a Django middleware's sync/async capability decides the mode it runs in, as Django's
``load_middleware`` decides it."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.utils.deprecation import MiddlewareMixin
from django_bolt import BoltAPI
from django_bolt.middleware import DjangoMiddleware, DjangoMiddlewareStack


class _NoMode:
    sync_capable = False
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


@pytest.mark.parametrize("wrap", [DjangoMiddleware, lambda cls: DjangoMiddlewareStack([cls])])
def test_a_middleware_that_can_run_in_no_mode_is_refused(wrap):
    with pytest.raises(RuntimeError, match="neither sync_capable nor async_capable"):
        wrap(_NoMode)


class _RefusesInAsyncCall(MiddlewareMixin):
    async def __call__(self, request):
        return HttpResponse("refused", status=403)


def _factory(get_response):
    # A factory is sync-capable by default, but the object it returns answers with coroutines.
    return _RefusesInAsyncCall(get_response)


def _api_around(wrapped, is_async: bool) -> BoltAPI:
    """An API with one route, ``GET /x``, with a sync or an async handler inside ``wrapped``."""
    api = BoltAPI(middleware=[wrapped])

    async def async_endpoint() -> dict:
        return {"ok": True}

    def sync_endpoint() -> dict:
        return {"ok": True}

    api.get("/x")(async_endpoint if is_async else sync_endpoint)
    return api


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_object_a_factory_returns_is_awaited_when_its_call_is_async(client_for, is_async):
    response = client_for(_api_around(DjangoMiddleware(_factory), is_async)).get("/x")
    assert response.status_code == 403
    assert response.text == "refused"


class _ShieldedMixin(MiddlewareMixin):
    """Async-only, with a plain ``def __call__`` that returns a future (it needs a running loop)."""

    sync_capable = False
    async_capable = True

    def __call__(self, request):
        import asyncio

        return asyncio.shield(super().__call__(request))

    def process_response(self, request, response):
        response["X-Shielded"] = "yes"
        return response


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_async_only_middleware_returning_a_future_runs_around_any_handler(client_for, is_async):
    response = client_for(_api_around(DjangoMiddlewareStack([_ShieldedMixin]), is_async)).get("/x")
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True}
    assert response.headers["x-shielded"] == "yes"
