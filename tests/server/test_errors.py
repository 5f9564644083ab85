"""Unhandled handler exceptions: 500 without details normally, the traceback with DEBUG = True."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.server.wire import RawConnection, roundtrip

FAILING = [
    ("/boom", "RuntimeError", "kaboom: sync handler failed", "boom"),
    ("/boom-async", "ValueError", "kaboom: async handler failed", "boom_async"),
    ("/boom-async-early", "KeyError", "kaboom: async handler failed before its first await", "boom_async_early"),
]


def wait_for_log(server, text: str, timeout: float = 2.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        log = server.stderr()
        if text in log or time.monotonic() > deadline:
            return log
        time.sleep(0.02)


@pytest.mark.parametrize(("target", "exc_type", "message", "function"), FAILING)
def test_500_without_details_when_debug_is_off(server, target, exc_type, message, function):
    with RawConnection(server.port) as conn:
        conn.request("GET", target)
        r = conn.read_response()
        assert r.status == 500
        assert r.header("content-type") == "application/json"
        assert r.json() == {"detail": "Internal Server Error"}
        for leak in ("Traceback", "kaboom", exc_type, "server_api.py"):
            assert leak.encode() not in r.body
        # The connection stays usable after a handler error.
        assert r.header("connection") is None
        conn.request("GET", "/hello")
        assert conn.read_response().json() == {"message": "hello"}
    # ... but the error is logged, with its traceback, on the server's stderr.
    log = wait_for_log(server, message)
    assert f"Internal Server Error: GET {target}" in log
    assert message in log
    assert f"in {function}" in log


@pytest.mark.parametrize("prefix", ["/boom", "/boom-async"])
def test_the_log_line_names_method_and_path_once_with_the_traceback(server, prefix):
    token = uuid.uuid4().hex
    r = roundtrip(server.port, "GET", f"{prefix}/{token}?q=1")
    assert r.status == 500
    headline = f"Internal Server Error: GET {prefix}/{token}\n"
    log = wait_for_log(server, headline)
    assert log.count(headline) == 1
    # The traceback follows the line, and the exception is logged nowhere else.
    entry = log[log.index(headline) :]
    assert entry.startswith(headline + "Traceback (most recent call last):\n")
    assert log.count(f"kaboom for {token}") == 1
    assert "in boom_" in entry.split(f"kaboom for {token}")[0]


@pytest.mark.parametrize(("target", "exc_type", "message", "function"), FAILING)
def test_traceback_in_the_body_when_debug_is_on(debug_server, target, exc_type, message, function):
    r = roundtrip(debug_server.port, "GET", target)
    assert r.status == 500
    body = r.json()
    assert exc_type in body["detail"]
    assert message in body["detail"]
    text = "\n".join(body["traceback"])
    assert text.startswith("Traceback (most recent call last):")
    assert "server_api.py" in text
    assert f"in {function}" in text
    assert body["traceback"][-1].startswith(exc_type)


def test_debug_server_still_answers_normally(debug_server):
    r = roundtrip(debug_server.port, "GET", "/items/3?q=x")
    assert r.status == 200 and r.json() == {"item_id": 3, "q": "x"}
    r = roundtrip(debug_server.port, "GET", "/nope")
    assert r.status == 404 and r.json() == {"detail": "Not Found"}
