"""HTTPException extra=/body=, the exception classes, ValidationException.errors(), and the
django_bolt.error_handlers helpers (each checked against what the server sends)."""

import json

import msgspec
import pytest
from django_bolt.error_handlers import (
    format_error_response,
    generic_exception_handler,
    handle_exception,
    http_exception_handler,
    msgspec_validation_error_to_dict,
    request_validation_error_handler,
    response_validation_error_handler,
)
from django_bolt.exceptions import (
    BoltException,
    ClientException,
    Conflict,
    HTTPException,
    NotFound,
    RequestValidationError,
    ResponseValidationError,
    ServerException,
    ServiceUnavailable,
    ValidationException,
)


class Problem(msgspec.Struct):
    code: str
    retry: int


def test_extra_and_body_reach_the_client(api, client_for):
    @api.get("/extra")
    async def extra():
        raise HTTPException(400, "bad", extra={"field": "name"})

    @api.get("/body")
    async def body():
        raise Conflict(body=Problem(code="taken", retry=3), headers={"X-Why": "dup"})

    @api.get("/both")
    async def both():
        raise HTTPException(418, "ignored", extra={"x": 1}, body={"only": "this"})

    client = client_for(api)
    r = client.get("/extra")
    assert (r.status_code, r.json()) == (400, {"detail": "bad", "extra": {"field": "name"}})
    r = client.get("/body")
    assert (r.status_code, r.json(), r.headers["x-why"]) == (409, {"code": "taken", "retry": 3}, "dup")
    r = client.get("/both")
    assert (r.status_code, r.json()) == (418, {"only": "this"})


def test_class_hierarchy_and_messages():
    assert issubclass(NotFound, ClientException) and issubclass(ClientException, HTTPException)
    assert issubclass(ServiceUnavailable, ServerException) and issubclass(HTTPException, BoltException)
    assert issubclass(ValidationException, ValueError) and issubclass(RequestValidationError, BoltException)
    e = NotFound("No such item", extra={"id": 3})
    assert (e.status_code, e.detail, e.extra, e.body, str(e)) == (
        404,
        "No such item",
        {"id": 3},
        None,
        "404: No such item",
    )
    assert HTTPException(503).detail == "Service Unavailable"
    assert HTTPException(400).headers == {}  # always a dict, as in the release
    assert BoltException("boom").detail == "boom" and str(BoltException(detail="d")) == "d"


def test_validation_errors_are_a_list_and_callable(api, client_for):
    errors = [{"loc": ["query", "q"], "msg": "too short", "type": "value_error"}]
    exc = RequestValidationError(errors, body=b"raw")
    assert exc.errors() == errors and list(exc.errors) == errors and exc.body == b"raw"
    assert str(exc) == "query.q: too short"

    @api.get("/v")
    async def v():
        raise RequestValidationError(errors)

    r = client_for(api).get("/v")
    assert (r.status_code, r.json()) == (422, {"detail": errors})


def test_helpers_match_the_server(api, client_for):
    @api.get("/nf")
    async def nf():
        raise NotFound("gone", headers={"X-A": "1"}, extra=[1])

    served = client_for(api).get("/nf")
    status, headers, body = http_exception_handler(NotFound("gone", headers={"X-A": "1"}, extra=[1]))
    assert (status, json.loads(body)) == (served.status_code, served.json())
    assert ("content-type", "application/json") in headers and ("X-A", "1") in headers

    status, _, body = format_error_response(409, "dup", extra={"k": 1})
    assert (status, json.loads(body)) == (409, {"detail": "dup", "extra": {"k": 1}})
    status, _, body = http_exception_handler(HTTPException(402, body={"pay": True}))
    assert (status, json.loads(body)) == (402, {"pay": True})


def test_validation_helpers():
    errors = [{"loc": ["body", "a"], "msg": "m", "type": "t"}]
    status, _, body = request_validation_error_handler(RequestValidationError(errors))
    assert (status, json.loads(body)) == (422, {"detail": errors})
    status, _, body = response_validation_error_handler(ResponseValidationError(errors))
    assert status == 500
    assert json.loads(body) == {"detail": "Response validation error", "extra": {"validation_errors": errors}}

    class S(msgspec.Struct):
        age: int

    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(b'{"age": "x"}', type=S)
    (converted,) = msgspec_validation_error_to_dict(info.value)
    assert converted["loc"] == ["body", "age"] and converted["type"] == "validation_error"
    assert handle_exception(info.value)[0] == 422


def test_generic_handler_hides_or_shows_the_error(settings):
    def inner():
        raise ValueError("secret detail")

    try:
        inner()
    except ValueError as exc:
        caught = exc
    status, _, body = generic_exception_handler(caught, debug=False)
    assert (status, json.loads(body)) == (500, {"detail": "Internal Server Error"})
    status, headers, body = generic_exception_handler(caught, debug=True)
    assert status == 500 and dict(headers)["content-type"] == "text/html; charset=utf-8"
    assert b"secret detail" in body and b"inner" in body
    settings.DEBUG = False
    assert json.loads(handle_exception(caught)[2]) == {"detail": "Internal Server Error"}
    settings.DEBUG = True
    assert dict(handle_exception(caught)[1])["content-type"].startswith("text/html")
    assert handle_exception(NotFound())[0] == 404
