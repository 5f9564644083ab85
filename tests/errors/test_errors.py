"""Errors: the HTTPException family, validation errors, and unhandled exceptions."""

import logging
import traceback

import pytest
from django.test import override_settings
from django_bolt import exceptions
from django_bolt.exceptions import HTTPException, RequestValidationError

FAMILY = [
    ("BadRequest", 400),
    ("Unauthorized", 401),
    ("Forbidden", 403),
    ("NotFound", 404),
    ("MethodNotAllowed", 405),
    ("NotAcceptable", 406),
    ("Conflict", 409),
    ("Gone", 410),
    ("UnprocessableEntity", 422),
    ("TooManyRequests", 429),
    ("InternalServerError", 500),
    ("NotImplemented", 501),
    ("BadGateway", 502),
    ("ServiceUnavailable", 503),
    ("GatewayTimeout", 504),
]


@pytest.mark.parametrize(("name", "status"), FAMILY)
def test_exception_family(api, client_for, name, status):
    cls = getattr(exceptions, name)

    @api.get("/fail")
    async def fail():
        raise cls("nope", headers={"X-Reason": name})

    response = client_for(api).get("/fail")
    assert response.status_code == status
    assert response.json() == {"detail": "nope"}
    assert response.headers["x-reason"] == name


def test_http_exception_defaults_and_structured_detail(api, client_for):
    @api.get("/plain")
    async def plain():
        raise HTTPException(418)

    @api.get("/structured")
    def structured():
        raise HTTPException(409, detail={"field": "email", "problem": "taken"})

    client = client_for(api)
    assert client.get("/plain").json() == {"detail": "I'm a Teapot"}
    assert client.get("/structured").json() == {"detail": {"field": "email", "problem": "taken"}}


def test_request_validation_error_raised_by_handler(api, client_for):
    @api.post("/check")
    async def check():
        raise RequestValidationError([{"loc": ["body", "email"], "msg": "taken", "type": "unique"}])

    response = client_for(api).post("/check")
    assert response.status_code == 422
    assert response.json() == {"detail": [{"loc": ["body", "email"], "msg": "taken", "type": "unique"}]}


def test_unhandled_exception_hides_traceback(api, client_for, caplog):
    @api.get("/boom")
    async def boom():
        raise ValueError("secret internals")

    with override_settings(DEBUG=False):
        response = client_for(api).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "secret internals" not in response.text
    assert any(r.getMessage() == "Internal Server Error: GET /boom" for r in caplog.records)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_unhandled_exception_logged_once_with_method_path_and_traceback(api, client_for, caplog, kind):
    def fail(item_id: int) -> dict:
        raise LookupError(f"item {item_id} vanished")

    async def fail_async(item_id: int) -> dict:
        raise LookupError(f"item {item_id} vanished")

    api.patch("/items/{item_id}")(fail if kind == "sync" else fail_async)
    response = client_for(api).patch("/items/3?verbose=1")
    assert response.status_code == 500
    logged = [r for r in caplog.records if r.exc_info and "vanished" in str(r.exc_info[1])]
    assert len(logged) == 1
    record = logged[0]
    assert (record.name, record.levelname) == ("django_bolt.error_handlers", "ERROR")
    assert record.getMessage() == "Internal Server Error: PATCH /items/3"
    assert (record.method, record.path, record.status_code) == ("PATCH", "/items/3", 500)
    # A child of django_bolt (the release's logger name): handlers on either receive it.
    assert logging.getLogger("django_bolt.error_handlers").parent is logging.getLogger("django_bolt")
    assert record.exc_info[2] is not None  # the traceback, down to the handler's frame
    frames = [frame.name for frame in traceback.extract_tb(record.exc_info[2])]
    assert frames[-1] in {"fail", "fail_async"}


def test_unhandled_exception_shows_traceback_in_debug(client_for):
    from django_bolt import BoltAPI

    api = BoltAPI()

    @api.get("/boom")
    def boom():
        raise ValueError("visible in debug")

    with override_settings(DEBUG=True):
        response = client_for(api).get("/boom")
    body = response.json()
    assert response.status_code == 500
    assert body["detail"] == "ValueError: visible in debug"
    assert any("raise ValueError" in line for line in body["traceback"])


def test_worker_keeps_serving_after_errors(api, client_for):
    @api.get("/boom")
    async def boom():
        raise RuntimeError("x")

    @api.get("/ok")
    async def ok():
        return {"ok": True}

    client = client_for(api)
    for _ in range(20):
        assert client.get("/boom").status_code == 500
    assert client.get("/ok").json() == {"ok": True}
