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


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_object_a_factory_returns_is_awaited_when_its_call_is_async(client_for, is_async):
    api = BoltAPI(middleware=[DjangoMiddleware(_factory)])

    if is_async:

        @api.get("/guarded")
        async def guarded() -> dict:
            return {"reached": True}
    else:

        @api.get("/guarded")
        def guarded() -> dict:
            return {"reached": True}

    response = client_for(api).get("/guarded")
    assert response.status_code == 403
    assert response.text == "refused"
