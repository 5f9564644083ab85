"""Django middleware ``process_exception`` hooks: called when the handler raises, innermost first,
the first response they return is sent; when none answers, the exception reaches the server,
which answers with JSON as for any route."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from django_bolt import BoltAPI
from django_bolt.middleware import DjangoMiddleware, DjangoMiddlewareStack

#: Which hooks ran, in order (cleared by each test).
CALLS: list[str] = []


class Failure(Exception):
    pass


class AnswersFailure(MiddlewareMixin):
    def process_exception(self, request, exception):
        CALLS.append(f"answers:{type(exception).__name__}")
        if isinstance(exception, Failure):
            return JsonResponse({"handled": str(exception)}, status=409)
        return None


class ObservesOnly(MiddlewareMixin):
    def process_exception(self, request, exception):
        CALLS.append("observes")
        return None


class AsyncAnswers:
    """A native async middleware with an async ``process_exception``."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        return await self.get_response(request)

    async def process_exception(self, request, exception):
        CALLS.append("async")
        return HttpResponse("async answer", status=418, content_type="text/plain")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def _api(stack: list[type], is_async: bool, error: type[Exception] = Failure) -> BoltAPI:
    api = BoltAPI(middleware=[DjangoMiddlewareStack(stack)])

    if is_async:

        @api.get("/boom")
        async def boom() -> dict:
            raise error("broken")

    else:

        @api.get("/boom")
        def boom() -> dict:
            raise error("broken")

    @api.get("/fine")
    async def fine() -> dict:
        return {"ok": True}

    return api


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_hooks_response_is_sent_and_inner_hooks_run_first(client_for, is_async):
    # Declared outermost first: ObservesOnly is inner, so Django calls it before AnswersFailure.
    client = client_for(_api([AnswersFailure, ObservesOnly], is_async))
    response = client.get("/boom")
    assert response.status_code == 409
    assert response.json() == {"handled": "broken"}
    assert CALLS == ["observes", "answers:Failure"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_no_hook_answers_the_server_sends_json_500(client_for, is_async):
    client = client_for(_api([AnswersFailure, ObservesOnly], is_async, error=ValueError))
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert CALLS == ["observes", "answers:ValueError"]


def test_hooks_are_not_called_without_an_exception(client_for):
    client = client_for(_api([AnswersFailure, ObservesOnly], is_async=True))
    assert client.get("/fine").json() == {"ok": True}
    assert CALLS == []


def test_an_async_hook_is_awaited(client_for):
    client = client_for(_api([AsyncAnswers], is_async=True))
    response = client.get("/boom")
    assert (response.status_code, response.text) == (418, "async answer")
    assert CALLS == ["async"]


def test_separate_django_middleware_entries_each_get_the_exception(client_for):
    """Two ``DjangoMiddleware`` entries act as one Django chain: the inner hook first."""
    api = BoltAPI(middleware=[DjangoMiddleware(AnswersFailure), DjangoMiddleware(ObservesOnly)])

    @api.get("/boom")
    def boom() -> dict:
        raise Failure("inner")

    response = client_for(api).get("/boom")
    assert response.status_code == 409
    assert CALLS == ["observes", "answers:Failure"]
