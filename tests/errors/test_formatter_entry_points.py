"""The release's entry points into the error path: ``bolt_error_from_exception``,
``render_error``, ``handle_exception_with_formatter``, ``render_core_error`` and
``serialize_django_response``, each checked against what the server sends."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import msgspec
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django_bolt import JSON, BoltAPI, PlainText, Response
from django_bolt.error_handlers import (
    BoltError,
    bolt_error_from_exception,
    handle_exception,
    handle_exception_with_formatter,
    problem_details,
    render_core_error,
    render_error,
    serialize_django_response,
)
from django_bolt.exceptions import HTTPException, RequestValidationError

RAISED = {
    "/conflict": lambda: HTTPException(409, "Already exists", headers={"X-Reason": "dup"}, extra={"id": 3}),
    "/django-404": lambda: Http404("no such page"),
    "/denied": lambda: PermissionDenied("not yours"),
    "/invalid": lambda: RequestValidationError([{"loc": ["query", "q"], "msg": "too short", "type": "value_error"}]),
    "/crash": lambda: RuntimeError("secret internals"),
}


def _fields(error: BoltError) -> dict:
    fields = msgspec.structs.asdict(error)
    fields["exception"] = type(error.exception).__name__
    return fields


def _raising_api(formatter) -> BoltAPI:
    api = BoltAPI(error_formatter=formatter)
    for path, make in RAISED.items():

        async def handler(make=make) -> dict:
            raise make()

        api.get(path)(handler)
    return api


@pytest.mark.parametrize("path", sorted(RAISED))
def test_bolt_error_from_exception_is_what_the_formatter_gets(path, client_for):
    seen: list[BoltError] = []

    def record(error: BoltError, request) -> JSON:
        seen.append(error)
        return JSON({}, status_code=error.status)

    client = client_for(_raising_api(record), raise_server_exceptions=False)
    assert client.get(path).status_code == seen[0].status
    expected = {k: v for k, v in _fields(seen[0]).items() if k != "headers"}
    ours = _fields(bolt_error_from_exception(RAISED[path]()))
    # The server adds the headers every answer has (vary...); those of the exception are the same.
    assert {k: v for k, v in ours.items() if k != "headers"} == expected
    assert ours["headers"].items() <= seen[0].headers.items()


@pytest.mark.parametrize("path", sorted(RAISED))
def test_handle_exception_with_formatter_answers_as_the_server(path, client_for):
    client = client_for(_raising_api(problem_details), raise_server_exceptions=False)
    sent = client.get(path)
    status, headers, body = handle_exception_with_formatter(problem_details, RAISED[path](), SimpleNamespace(path=path))
    assert (status, dict(headers)["content-type"], json.loads(body)) == (
        sent.status_code,
        sent.headers["content-type"],
        sent.json(),
    )
    if path == "/conflict":
        assert dict(headers)["x-reason"] == sent.headers["x-reason"] == "dup"


def test_without_a_formatter_or_with_a_typed_body_the_default_answer_is_used():
    exc = HTTPException(400, "bad", body={"code": "mine"})
    assert handle_exception_with_formatter(problem_details, exc, SimpleNamespace(path="/")) == handle_exception(exc)
    exc = HTTPException(404, "gone")
    assert handle_exception_with_formatter(None, exc, SimpleNamespace(path="/")) == handle_exception(exc)


def test_handle_exception_answers_djangos_exceptions_as_the_server():
    status, _, body = handle_exception(Http404("no such page"))
    assert (status, json.loads(body)) == (404, {"detail": "no such page"})
    status, _, body = handle_exception(PermissionDenied())
    assert (status, json.loads(body)) == (403, {"detail": "Permission denied"})


def test_render_error_adds_the_needed_headers_and_encodes_the_body():
    error = BoltError(status=401, kind="not_authenticated", detail="no", headers={"www-authenticate": "Bearer"})
    status, headers, body = render_error(lambda e, r: PlainText(f"{e.detail}!", status_code=e.status), error, None)
    assert (status, headers, body) == (
        401,
        [("content-type", "text/plain; charset=utf-8"), ("www-authenticate", "Bearer")],
        b"no!",
    )
    own = render_error(lambda e, r: Response({"a": 1}, 418, {"WWW-Authenticate": "Basic"}), error, None)
    assert own == (418, [("content-type", "application/json"), ("WWW-Authenticate", "Basic")], b'{"a":1}')


@pytest.mark.parametrize(
    "formatter",
    [
        lambda e, r: 1 / 0,
        lambda e, r: {"not": "a response"},
        lambda e, r: JSON({}, status_code=200),
        lambda e, r: JSON({}, status_code=400).set_cookie("a", "b"),
        lambda e, r: JSON({}, status_code=400, headers={"x-bad": "a\r\nb"}),
    ],
)
def test_render_error_gives_none_for_an_unusable_formatter(formatter, caplog):
    error = BoltError(status=404, kind="not_found", detail="Not Found")
    with caplog.at_level(logging.ERROR, logger="django_bolt.error_handlers"):
        assert render_error(formatter, error, None) is None
    assert "error_formatter failed for a 404 not_found error" in caplog.text


def test_render_core_error_builds_the_error_from_its_parts(caplog):
    seen: list[BoltError] = []

    def record(error: BoltError, request) -> JSON:
        seen.append(error)
        return JSON({"kind": error.kind}, status_code=error.status)

    errors = [{"loc": ["path", "id"], "msg": "not an int", "type": "int_parsing"}]
    parts = render_core_error(
        record, 422, "validation", "Request validation failed", json.dumps(errors).encode(), None, [], None, None, None
    )
    assert parts == (422, [("content-type", "application/json")], b'{"kind":"validation"}')
    assert (seen[0].errors, seen[0].extra, seen[0].exception) == (errors, None, None)
    with caplog.at_level(logging.ERROR, logger="django_bolt.error_handlers"):
        parts = render_core_error(record, 500, "internal_error", "x", None, b'{"a":1}', [], None, None, "upstream down")
    assert parts[0] == 500 and seen[1].extra == {"a": 1}
    assert "Internal Server Error: upstream down" in caplog.text
    raised = render_core_error(record, 500, "internal_error", "x", None, None, [], None, Http404("gone"), None)
    assert raised[0] == 404 and seen[2].kind == "not_found"
    typed = HTTPException(400, body={"mine": 1})
    assert render_core_error(record, 400, "bad_request", "x", None, None, [], None, typed, None) is None


def test_serialize_django_response_is_what_the_server_sends(api, client_for):
    def make() -> HttpResponse:
        response = HttpResponse("<p>hi</p>", status=201, headers={"X-Mine": "1"})
        response.set_cookie("theme", "dark", httponly=True)
        return response

    @api.get("/page")
    async def page():
        return make()

    sent = client_for(api).get("/page")
    status, headers, body = serialize_django_response(make())
    assert (status, body) == (sent.status_code, sent.content)
    assert dict(headers)["content-type"] == sent.headers["content-type"]
    assert dict(headers)["X-Mine"] == sent.headers["x-mine"]
    assert ("set-cookie", sent.headers["set-cookie"]) in headers


def test_serialize_django_response_refuses_a_stream():
    from django.http import StreamingHttpResponse

    with pytest.raises(TypeError, match="streaming"):
        serialize_django_response(StreamingHttpResponse(iter([b"a"])))
