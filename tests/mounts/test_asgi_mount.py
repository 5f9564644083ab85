"""``mount_asgi``: any ASGI app answers the paths under its prefix that no route matches
(in process; tests/mounts/test_admin_socket.py does it over a socket)."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.testing import TestClient


async def recorder(scope, receive, send):
    """Answers with what it received, repeated cookies and a header of its own."""
    event = await receive()
    body = f"{scope['method']}|{scope['root_path']}|{scope['path']}|{scope['query_string'].decode()}|"
    body += event["body"].decode() + "|" + dict(scope["headers"]).get(b"x-thing", b"").decode()
    await send(
        {
            "type": "http.response.start",
            "status": 202,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"x-app", b"recorder"),
                (b"set-cookie", b"a=1; Path=/"),
                (b"set-cookie", b"b=2; Path=/"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


async def streamer(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for i in range(3):
        await send({"type": "http.response.body", "body": f"chunk{i}\n".encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def broken(scope, receive, send):
    raise RuntimeError("the app failed")


async def silent(scope, receive, send):
    return None


async def headers_only(scope, receive, send):
    await send({"type": "http.response.start", "status": 204, "headers": []})


def _api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/app/own")
    async def own() -> dict:
        return {"route": True}

    api.mount_asgi("/app", recorder)
    api.mount_asgi("/stream", streamer)
    api.mount_asgi("/broken", broken)
    api.mount_asgi("/silent", silent)
    api.mount_asgi("/empty", headers_only)
    return api


@pytest.fixture(scope="module")
def client():
    with TestClient(_api()) as c:
        yield c


def test_the_app_gets_the_request_and_its_answer_is_sent_as_is(client) -> None:
    answer = client.post("/app/x/y?q=1&r=2", content=b"body!", headers={"X-Thing": "t"})
    assert answer.status_code == 202
    assert answer.text == "POST|/app|/app/x/y|q=1&r=2|body!|t"
    assert answer.headers["x-app"] == "recorder"
    assert answer.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_non_ascii_header_and_query_text_reaches_the_app(client) -> None:
    answer = client.get("/app/q?name=%C3%A9t%C3%A9", headers={"X-Thing": "caf\u00e9".encode()})
    assert answer.status_code == 202
    assert answer.text.endswith("|name=%C3%A9t%C3%A9||caf\u00e9")


def test_the_prefix_itself_and_every_method_reach_the_app(client) -> None:
    for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS"):
        answer = client.request(method, "/app")
        assert answer.status_code == 202
        assert answer.text.startswith(f"{method}|/app|/app|")


def test_routes_win_over_the_mount(client) -> None:
    assert client.get("/app/own").json() == {"route": True}
    # The route's path with another method is the route's 405, not the app's.
    assert client.post("/app/own").status_code == 405


def test_paths_outside_the_prefix_are_not_the_apps(client) -> None:
    answer = client.get("/application")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}


def test_a_streamed_answer_is_streamed(client) -> None:
    with client.stream("GET", "/stream/now") as answer:
        assert answer.status_code == 200
        assert "content-length" not in answer.headers
        assert list(answer.iter_lines()) == ["chunk0", "chunk1", "chunk2"]


def test_a_failing_app_is_a_500_and_the_server_keeps_serving(client) -> None:
    assert client.get("/broken").status_code == 500
    assert client.get("/silent").status_code == 500
    assert client.get("/app").status_code == 202


def test_an_answer_without_a_body_message(client) -> None:
    answer = client.get("/empty")
    assert answer.status_code == 204
    assert answer.content == b""


def test_mounts_follow_api_prefixes_and_mounted_apis() -> None:
    inner = BoltAPI(prefix="/v1")
    inner.mount_asgi("/app", recorder)
    outer = BoltAPI()
    outer.mount("/api", inner)
    with TestClient(outer) as client:
        assert client.get("/api/v1/app/z").text.startswith("GET|/api/v1/app|/api/v1/app/z|")


def test_bad_mounts_are_refused() -> None:
    api = BoltAPI()
    api.mount_asgi("/a", recorder)
    with pytest.raises(ValueError, match="already mounted"):
        api.mount_asgi("/a/", recorder)
    with pytest.raises(TypeError, match="ASGI application"):
        api.mount_asgi("/b", "not an app")
    with pytest.raises(ValueError, match="plain path"):
        api.mount_asgi("/c/{x}", recorder)
    with pytest.raises(TypeError, match="not both"):
        api.mount_django("/d", recorder, urlconf="tests.mounts.django_views")


def test_the_global_cors_policy_covers_mounted_paths() -> None:
    api = BoltAPI()
    api.mount_asgi("/app", recorder)
    client = TestClient(api, cors_allowed_origins=["https://a.example"])
    preflight = client.options(
        "/app/x", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://a.example"
    answer = client.get("/app/x", headers={"Origin": "https://a.example"})
    assert answer.status_code == 202
    assert answer.headers["access-control-allow-origin"] == "https://a.example"


def test_head_gets_the_headers_without_the_body(client) -> None:
    answer = client.head("/app/x")
    assert answer.status_code == 202
    assert answer.headers["x-app"] == "recorder"
    assert answer.content == b""


# Django's close_old_connections receiver looks at the threads' database connections.
@pytest.mark.django_db(transaction=True)
def test_request_signals_surround_a_mounted_app() -> None:
    from django.core.signals import request_finished, request_started
    from django.test import override_settings

    seen: list[str] = []

    def started(sender, **kwargs):
        seen.append("started")

    def finished(sender, **kwargs):
        seen.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        with override_settings(BOLT_EMIT_SIGNALS=True):
            api = BoltAPI()
            api.mount_asgi("/app", recorder)
            assert TestClient(api).get("/app").status_code == 202
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert seen == ["started", "finished"]


def test_the_scope_addresses_are_pairs_and_a_second_start_is_refused():
    # scope["client"]/["server"] are (host, port) tuples, as uvicorn and the release send them;
    # a second http.response.start raises in the app, which can still finish its answer.
    seen = {}

    async def app(scope, receive, send):
        seen["addresses"] = (scope["client"], scope["server"])
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            await send({"type": "http.response.start", "status": 500, "headers": []})
        except RuntimeError as exc:
            seen["error"] = str(exc)
        await send({"type": "http.response.body", "body": b"ok"})

    api = BoltAPI()
    api.mount_asgi("/app", app)
    with TestClient(api) as client:
        answer = client.get("/app/x", headers={"host": "example.com:8080"})
    assert (answer.status_code, answer.text) == (200, "ok")
    assert seen == {
        "addresses": (("127.0.0.1", 50000), ("example.com", 8080)),
        "error": "http.response.start sent more than once",
    }
