"""``BoltAPI(error_formatter=)``: every error answer the framework makes goes through one
function; ``problem_details`` formats them as RFC 9457."""

from __future__ import annotations

import logging

import msgspec
import pytest
from django_bolt import JSON, BoltAPI, PlainText
from django_bolt.auth import IsAuthenticated, JWTAuthentication
from django_bolt.error_handlers import BoltError, problem_details
from django_bolt.exceptions import HTTPException
from django_bolt.middleware import rate_limit


class Body(msgspec.Struct):
    n: int


def _record(error: BoltError, request) -> JSON:
    return JSON(
        {
            "status": error.status,
            "kind": error.kind,
            "detail": error.detail,
            "errors": error.errors,
            "headers": error.headers,
            "extra": error.extra,
            "exception": type(error.exception).__name__ if error.exception is not None else None,
            "path": request.path,
        },
        status_code=error.status,
    )


def _routes(api: BoltAPI) -> BoltAPI:
    @api.get("/items/{item_id}")
    async def item(item_id: int) -> dict:
        return {"id": item_id}

    @api.get("/private", auth=[JWTAuthentication(secret="s" * 32)], guards=[IsAuthenticated()])
    async def private() -> dict:
        return {}

    @api.get("/limited")
    @rate_limit(rps=1, burst=1)
    async def limited() -> dict:
        return {}

    @api.get("/conflict")
    async def conflict() -> dict:
        raise HTTPException(409, "Already exists", headers={"X-Reason": "dup"}, extra={"id": 3})

    @api.get("/typed")
    async def typed() -> dict:
        raise HTTPException(400, "x", body={"code": "mine"})

    @api.get("/crash")
    def crash() -> dict:
        raise RuntimeError("secret internals")

    @api.get("/own-404")
    async def own_404() -> JSON:
        return JSON({"detail": "handler's own"}, status_code=404)

    @api.post("/body")
    async def body(data: Body) -> dict:
        return {}

    return api


@pytest.fixture
def recorded(client_for):
    return client_for(_routes(BoltAPI(error_formatter=_record)), raise_server_exceptions=False)


def test_rust_errors_reach_the_formatter_without_an_exception(recorded):
    missing = recorded.get("/nowhere").json()
    assert (missing["kind"], missing["detail"], missing["exception"], missing["path"]) == (
        "not_found",
        "Not Found",
        None,
        "/nowhere",
    )
    coercion = recorded.get("/items/abc").json()
    assert coercion["kind"] == "validation" and coercion["errors"][0]["loc"] == ["path", "item_id"]
    response = recorded.get("/private")
    assert response.status_code == 401 and response.json()["kind"] == "not_authenticated"
    # The challenge the error needs stays on the formatter's response.
    assert response.headers["www-authenticate"] == response.json()["headers"]["www-authenticate"]


def test_rate_limit_gives_retry_after_as_extra(recorded):
    recorded.get("/limited")
    response = recorded.get("/limited")
    assert response.status_code == 429
    assert response.json()["extra"] == {"retry_after": int(response.headers["retry-after"])}


def test_python_errors_reach_the_formatter_with_their_exception(recorded):
    conflict = recorded.get("/conflict")
    assert conflict.status_code == 409 and conflict.headers["x-reason"] == "dup"
    assert conflict.json()["extra"] == {"id": 3} and conflict.json()["exception"] == "HTTPException"
    crash = recorded.get("/crash").json()
    assert (crash["kind"], crash["detail"], crash["exception"]) == (
        "internal_error",
        "Internal Server Error",
        "RuntimeError",
    )


def test_answers_the_handler_chose_are_not_reformatted(recorded):
    assert recorded.get("/typed").json() == {"code": "mine"}
    assert recorded.get("/own-404").json() == {"detail": "handler's own"}


def test_problem_details(client_for):
    client = client_for(_routes(BoltAPI(error_formatter=problem_details)))
    response = client.get("/items/abc")
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"], body["instance"]) == (
        "about:blank",
        "Unprocessable Content",
        422,
        "/items/abc",
    )
    assert body["errors"][0]["loc"] == ["path", "item_id"]
    assert client.get("/conflict").json()["id"] == 3  # extra as extension members


def test_a_failing_formatter_is_logged_and_the_default_answer_sent(client_for, caplog):
    def broken(error, request):
        return PlainText("teapot", status_code=200)  # not an error status

    client = client_for(_routes(BoltAPI(error_formatter=broken)))
    with caplog.at_level(logging.ERROR, logger="django_bolt.error_handlers"):
        response = client.get("/nowhere")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert any("error_formatter failed" in r.getMessage() for r in caplog.records)


def test_formatters_are_checked_and_one_per_server():
    with pytest.raises(TypeError, match="callable"):
        BoltAPI(error_formatter="problem_details")

    async def async_formatter(error, request):
        return None

    with pytest.raises(TypeError, match="sync"):
        BoltAPI(error_formatter=async_formatter)
    parent = BoltAPI(error_formatter=_record)
    parent.mount("/same", BoltAPI(error_formatter=_record))
    with pytest.raises(ValueError, match="different error_formatter"):
        parent.mount("/other", BoltAPI(error_formatter=problem_details))
    adopting = BoltAPI()
    adopting.mount("/v1", BoltAPI(error_formatter=problem_details))
    assert adopting.error_formatter is problem_details


def test_without_formatter_errors_keep_the_detail_shape(client_for):
    client = client_for(_routes(BoltAPI()))
    assert client.get("/nowhere").json() == {"detail": "Not Found"}
    assert client.get("/conflict").json() == {"detail": "Already exists", "extra": {"id": 3}}


def test_the_json_404_of_a_django_mount_is_formatted(client_for):
    api = BoltAPI(error_formatter=_record)
    api.mount_django("/legacy")
    response = client_for(api).get("/legacy/no-such-view/")
    assert response.status_code == 404
    assert (response.json()["kind"], response.json()["path"]) == ("not_found", "/legacy/no-such-view/")


def test_a_json_body_that_fails_its_type_carries_a_validation_exception(recorded):
    """As when Python decodes the body: the formatter gets the RequestValidationError; errors
    from the path, query or form keep None (Rust coerced them)."""
    body = recorded.post("/body", json={"n": "not a number"}).json()
    assert (body["kind"], body["exception"], body["errors"][0]["loc"]) == (
        "validation",
        "RequestValidationError",
        ["body", "n"],
    )
    assert recorded.get("/items/abc").json()["exception"] is None


def _api_with(path: str, formatter=None) -> BoltAPI:
    api = BoltAPI(error_formatter=formatter)

    @api.get(path)
    async def view() -> dict:
        return {}

    return api


def test_a_refused_mount_leaves_the_api_as_it_was(client_for):
    parent = _api_with("/parent", problem_details)
    with pytest.raises(ValueError, match="error_formatter"):
        parent.mount("/v2", _api_with("/child", _record))
    taken = BoltAPI()
    taken.mount_asgi("/v2/legacy", lambda scope, receive, send: None)
    child = _api_with("/child", _record)
    child.mount_asgi("/legacy", lambda scope, receive, send: None)
    with pytest.raises(ValueError, match="Duplicate ASGI mount prefix"):
        taken.mount("/v2", child)

    assert [r.path for r in parent.routes] == ["/parent"]
    assert ([r.path for r in taken.routes], taken.error_formatter) == ([], None)
    miss = client_for(parent).get("/v2/child")
    assert (miss.status_code, miss.headers["content-type"]) == (404, "application/problem+json")


def test_runbolt_merges_the_apis_of_a_project_with_their_one_formatter(client_for):
    from dataclasses import dataclass

    from django.core.management.base import CommandError
    from django_bolt.management.commands.runbolt import Command

    @dataclass
    class Typed:  # equal instances, not hashable: one formatter
        base: str

        def __call__(self, error: BoltError, request) -> JSON:
            return JSON({"type": f"{self.base}/{error.kind}"}, status_code=error.status)

    merged = Command().merge_apis(
        [("a.api", _api_with("/a", Typed("https://e.example"))), ("b.api", _api_with("/b", Typed("https://e.example")))]
    )
    client = client_for(merged)
    assert client.get("/a").status_code == client.get("/b").status_code == 200
    assert client.get("/nowhere").json() == {"type": "https://e.example/not_found"}
    with pytest.raises(CommandError, match="error_formatter"):
        Command().merge_apis([("a.api", _api_with("/a", problem_details)), ("b.api", _api_with("/b", _record))])
