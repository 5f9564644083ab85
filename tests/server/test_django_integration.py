"""Python middleware, Django's middleware, Django's responses and exceptions, request.META and
forms over a real socket (runbolt with tests.testapp.mw_server_api)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess, launch
from tests.server.support import LIMITS
from tests.testapp.django_middleware_api import HAS_CSP


@pytest.fixture(scope="module")
def mw_server(server_db: Path, server_logs: Path) -> Iterator[ServerProcess]:
    server = launch(server_db, server_logs, {**LIMITS, "BOLT_TEST_API": "tests.testapp.mw_server_api.api"}, name="mw")
    try:
        yield server
    finally:
        server.stop()
        assert "panicked" not in server.stderr()
        assert "SynchronousOnlyOperation" not in server.stderr()


def test_python_middleware_on_the_wire(mw_server):
    with mw_server.client() as c:
        r = c.get("/mw/router/hello")
        assert r.json() == {"order": ["api", "router"]}
        assert r.headers["x-order"] == "api,router" and r.headers["x-request-id"]
        assert c.get("/mw/gated").status_code == 418
        assert "x-request-id" not in c.get("/mw/none").headers
        assert c.get("/mw/tagged-sync").headers["x-tag"] == "sync"


def test_django_responses_and_exceptions_on_the_wire(mw_server):
    with mw_server.client() as c:
        r = c.get("/dj/http-response")
        assert (r.status_code, r.text, r.headers["content-type"], r.headers["x-custom"]) == (
            201,
            "Hello",
            "text/plain",
            "yes",
        )
        assert "flavour=oat" in r.headers["set-cookie"]
        assert c.get("/dj/stream").text == "part0;part1;part2;"
        assert b"python_middleware_api" in c.get("/dj/file").content
        assert c.get("/dj/redirect").status_code == 302
        for path, status in [("/dj/404", 404), ("/dj/403", 403), ("/dj/400", 400), ("/dj/422", 422)]:
            r = c.get(path)
            assert r.status_code == status and "detail" in r.json()
        r = c.get("/dj/cors-404", headers={"origin": "https://app.example"})
        assert r.headers["access-control-allow-origin"] == "https://app.example"


def test_meta_and_form_on_the_wire(mw_server):
    with mw_server.client() as c:
        meta = c.get("/dj/meta?x=1", headers={"x-thing": "t"}).json()
        assert meta["SERVER_PORT"] == str(mw_server.port) and meta["HTTP_X_THING"] == "t"
        assert meta["REMOTE_ADDR"] == "127.0.0.1"
        r = c.post("/dj/form", data={"name": "n"}, files={"doc": ("d.txt", b"hello")})
        assert r.json() == {"name": "n", "tags": [], "file": ["d.txt", "hello"]}


def test_django_session_auth_csrf_and_headers_on_the_wire(mw_server):
    with mw_server.client() as c:
        c.post("/django/signup", data={"username": "grace"})
        assert c.get("/django/ame").json()["authenticated"] is False
        r = c.post("/django/alogin", data={"username": "grace"})
        assert "sessionid=" in r.headers["set-cookie"]
        assert c.get("/django/me").json() == {"user": "grace", "authenticated": True}
        assert c.get("/django/ame").json() == {"user": "grace", "authenticated": True}
        assert c.post("/django/unsafe").status_code == 403
        token = c.get("/django/token").json()["token"]
        assert [c.post("/django/count", headers={"x-csrftoken": token}).json()["count"] for _ in range(2)] == [1, 2]
        r = c.get("/django/language", headers={"accept-language": "de"})
        assert r.json()["language"] == "de" and r.headers["x-content-type-options"] == "nosniff"
        if HAS_CSP:
            assert c.get("/django/nonce").headers["content-security-policy"] == "default-src 'self'"
