"""One test per docs example (docs/examples/<name>.py, copied into README.md).

Each test imports its example afresh, which runs the example's own asserts, then checks more of what
the README says around it through the same objects.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from django_bolt.testing import AsyncTestClient
from django_bolt.testing.websocket import HandshakeRejected, WebSocketTestClient


def _forget_examples() -> None:
    for name in [name for name in sys.modules if name.startswith("docs.examples.")]:
        del sys.modules[name]


@pytest.fixture
def load() -> Iterator[Callable[[str], ModuleType]]:
    """``load(name)`` imports docs/examples/<name>.py afresh: its module-level asserts run inside the test,
    and module state (quickstart's BOOKS, rate-limit buckets) is never left over from another test."""
    loaded: list[ModuleType] = []

    def load(name: str) -> ModuleType:
        _forget_examples()
        module = importlib.import_module(f"docs.examples.{name}")
        loaded.append(module)
        return module

    yield load
    for module in loaded:
        client = getattr(module, "client", None)  # the test client an example made
        if isinstance(client, httpx.Client):
            client.close()
    _forget_examples()


def test_quickstart(load, client_for):
    quickstart = load("quickstart")
    client = client_for(quickstart.api)

    assert client.get("/").json() == {"hello": "world"}
    assert client.get("/books/1", params={"fields": "title"}).json() == {"id": 1, "title": "Dune", "fields": "title"}
    missing = client.get("/books/9")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No book 9"})
    assert client.get("/books/1", params={"fields": "x" * 51}).status_code == 422  # Query(max_length=50)
    wrong = client.get("/books/one")  # {book_id} is an int
    assert (wrong.status_code, wrong.json()["detail"][0]["loc"]) == (422, ["path", "book_id"])

    created = client.post("/books", json={"title": "Emma", "year": 1815}, headers={"user-agent": "reader"})
    assert (created.status_code, created.json()) == (201, {"id": 2, "title": "Emma", "by": "reader"})
    assert client.get("/books/2").json()["title"] == "Emma"

    page = client.get("/hello")
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == "<h1>Hello</h1>"


def test_quickstart_served_by_runbolt(tmp_path):
    # "Serve it with runbolt": the same module behind a real socket.
    from tests.server.conftest import launch

    server = launch(tmp_path / "db.sqlite3", tmp_path, {"BOLT_TEST_API": "docs.examples.quickstart.api"}, "quickstart")
    try:
        with server.client() as client:
            assert client.get("/").json() == {"hello": "world"}
            assert client.get("/books/1").json() == {"id": 1, "title": "Dune", "fields": None}
            created = client.post("/books", json={"title": "Emma", "year": 1815}, headers={"user-agent": "curl"})
            assert (created.status_code, created.json()["by"]) == (201, "curl")
            assert client.get("/hello").text == "<h1>Hello</h1>"
    finally:
        code = server.stop()
    assert code == 0, f"runbolt exited with {code} after SIGTERM\n{server.describe()}"


@pytest.mark.django_db
def test_testing_db(load):
    example = load("testing_db")
    example.test_the_handler_reads_the_tests_rows()  # the README's test, inside this test's transaction
    from django.contrib.auth.models import Group

    assert list(Group.objects.values_list("name", flat=True)) == ["editors"]  # the same transaction


def test_testing(load):
    testing = load("testing")  # the example's asserts ran against the quick start's API
    assert isinstance(testing.client, httpx.Client)
    assert testing.client.get("/books/2").json()["title"] == "Emma"  # the POST in the example was real

    # AsyncTestClient is the httpx.AsyncClient equivalent over the same pipeline.
    async def asynchronously() -> None:
        async with AsyncTestClient(testing.api) as client:
            assert isinstance(client, httpx.AsyncClient)
            assert (await client.get("/books/2")).json() == testing.client.get("/books/2").json()
            assert (await client.post("/books", json={"title": 5})).status_code == 422

    asyncio.run(asynchronously())  # a sync test: example modules run outside an event loop, like scripts


@pytest.mark.django_db
def test_health(load, client_for, monkeypatch):
    from django_bolt import health as checks

    monkeypatch.setattr(checks._health_check, "_checks", [])  # readiness checks are global: none left by other tests
    health = load("health")
    client = client_for(health.ops)
    assert client.get("/ready").json()["checks"] == {
        "check_database": {"healthy": True, "message": "Database connection OK"}
    }
    assert client.get("/version").headers["content-type"].startswith("application/json")

    # add_health_check: a failing check turns /ready into a 503 that names it.
    def queue() -> bool:
        return False

    checks.add_health_check(queue)
    failing = client.get("/ready")
    assert failing.status_code == 503
    assert failing.json()["checks"]["queue"] == {"healthy": False, "message": "failed"}
    assert client.get("/health").status_code == 200  # liveness does not run the checks


def test_websocket(load, client_for):
    websocket = load("websocket")  # runs chat() with asyncio.run, as the README does

    async def more() -> None:
        async with WebSocketTestClient(websocket.live, "/ws/rooms/attic") as ws:
            for text in ("one", "two"):
                await ws.send_text(text)
            assert [await ws.receive_json(), await ws.receive_json()] == [
                {"room": "attic", "from": "anon", "text": "one"},
                {"room": "attic", "from": "anon", "text": "two"},
            ]
            await ws.close()
        assert ws.close_code == 1000
        with pytest.raises(HandshakeRejected) as refused:  # Origin is checked before the handler
            async with WebSocketTestClient(
                websocket.live, "/ws/rooms/attic", headers={"origin": "https://evil.example"}
            ):
                pass
        assert refused.value.status_code == 403

    asyncio.run(more())
    assert client_for(websocket.live).get("/ws/rooms/attic").status_code == 426  # a plain GET


@pytest.mark.django_db(transaction=True)  # the async handlers read the user from another thread
def test_auth(load):
    example = load("auth")
    client = example.client

    feed = client.get("/feed", headers={"X-API-Key": "svc-key-1"}).json()
    assert isinstance(feed["key"], str) and feed["key"] != "svc-key-1"  # a key id, never the key
    assert client.get("/feed", headers={"X-API-Key": "guessed"}).status_code == 401
    # /feed names its own backend: a valid JWT is not a credential there.
    assert client.get("/feed", headers=example.auth).status_code == 401

    admin = example.create_jwt_for_user(example.ada, extra_claims={"role": "admin"})
    guest = example.create_jwt_for_user(example.ada, extra_claims={"role": "guest"})
    assert client.get("/reports", headers={"Authorization": f"Bearer {admin}"}).status_code == 200
    assert client.get("/reports", headers={"Authorization": f"Bearer {guest}"}).status_code == 403
    tampered = client.get("/me", headers={"Authorization": f"Bearer {example.token}x"})
    assert tampered.status_code == 401 and tampered.headers["www-authenticate"].startswith("Bearer")

    # The auditor may read reports but holds no reports.delete permission.
    assert client.delete("/reports/3", headers={**example.auth, "x-office": "open"}).status_code == 403


@pytest.fixture
def streaming(load) -> Iterator[ModuleType]:
    module = load("streaming")
    yield module
    shutil.rmtree(module.reports)  # the example's temporary directory


def test_streaming(streaming):
    client = streaming.client
    head = client.head("/reports/q3.csv")
    assert (head.status_code, head.headers["content-length"], head.content) == (200, "16", b"")
    assert head.headers["content-type"].startswith("text/csv")
    assert client.get("/reports/q3.csv", headers={"Range": "bytes=99-"}).status_code == 416
    assert client.get("/reports/q4.csv").status_code == 404
    assert client.get("/reports/q3.csv%00").status_code == 403  # a NUL in the path: refused, not truncated

    with client.stream("GET", "/prices") as events:  # no Last-Event-ID: starts at 1
        first = next(events.iter_text())
    assert first == 'event: tick\ndata: {"price":41}\nid: 1\n\n'
    with client.stream("GET", "/prices") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        assert events.headers["cache-control"] == "no-cache"

    wrong_type = client.post("/avatars", files={"image": ("me.txt", b"hello", "text/plain")})
    assert wrong_type.status_code == 422  # allowed_types=["image/*"]
    assert wrong_type.json()["detail"][0]["type"] == "file_invalid_content_type"
    assert client.post("/avatars").status_code == 422  # the file is required


def test_middleware(load):
    middleware = load("middleware")
    client = middleware.client

    refused = client.options(
        "/products", headers={"origin": "https://evil.example", "access-control-request-method": "GET"}
    )
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    assert client.get("/export", headers={"x-tenant": "c"}).status_code == 200  # a fresh tenant budget

    # The per-address bucket emptied by the example refills at 5 per second.
    deadline = time.monotonic() + 5
    while (again := client.get("/products", headers={"accept-encoding": "br, gzip"})).status_code == 429:
        assert time.monotonic() < deadline, "the rate limit never refilled"
        time.sleep(0.02)
    assert again.status_code == 200
    assert again.headers["content-encoding"] == "br"  # the configured backend, when the client accepts it
    assert "origin" in again.headers["vary"].lower()  # the route has a CORS policy


def test_every_example_has_a_test():
    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    names = {path.stem for path in examples.glob("*.py")} - {"__init__", "sync_readme"}
    untested = sorted(name for name in names if f"test_{name}" not in globals())
    assert not untested, f"docs/examples without a test in {__file__}: {untested}"


def test_openapi(load, client_for):
    example = load("openapi")
    client = client_for(example.zoo)
    # What the README says around it: the validator enforces what the document shows.
    assert client.get("/pets", params={"kind": "bird"}).status_code == 422
    assert client.get("/pets", params={"limit": 0}).status_code == 422
    assert client.post("/pets", json={"name": "Rex", "kind": "dog"}).status_code == 401
    created = client.post("/pets", json={"name": "Rex", "kind": "dog"}, headers={"X-API-Key": "s3cret"})
    assert created.status_code == 201
    page = client.get("/docs")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/docs/scalar").status_code == 404  # only the plugins given
    assert example.zoo.openapi_schema == client.get("/docs/openapi.json").json()


def test_serializers(load, client_for):
    serializers = load("serializers")
    client = client_for(serializers.api)
    # read_only id is ignored on input; write-only password never comes back
    body = {
        "id": 7,
        "userName": "Bo",
        "email": "bo@example.com",
        "password": "pw",
        "address": {"city": "A", "postcode": "12345"},
    }
    answer = client.post("/signup", json=body).json()
    assert answer["id"] is None and "password" not in answer
    reserved = client.post("/signup", json={**body, "userName": "Admin"})
    assert reserved.json()["detail"] == [
        {"loc": ["body", "userName"], "msg": "this name is reserved", "type": "value_error"}
    ]


@pytest.mark.django_db(transaction=True)
def test_viewsets(load, client_for):
    viewsets = load("viewsets")
    client = client_for(viewsets.api)
    author = viewsets.Author.objects.create(name="Bo")
    for i in range(12):
        client.post("/books", json={"title": f"t{i}", "author": author.pk})
    first = client.get("/books").json()
    assert len(first["items"]) == 10 and first["total_pages"] == 2 and first["next_page"] == 2
    assert client.get("/books", params={"page_size": 500}).json()["page_size"] == 50
    assert client.post("/books", json={"pages": "x"}).status_code == 422
    assert client.post("/books/999999/read", params={"pages": 1}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_python_middleware(load):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    example = load("python_middleware")
    user = User.objects.create_user("ada")  # no password: no hashing
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.create()
    client = example.client
    client.cookies.set("sessionid", session.session_key)
    # The session cookie is read by Django's SessionMiddleware, the user by its AuthenticationMiddleware.
    assert client.get("/reports/daily", headers={"x-tenant": "acme"}).json() == {"tenant": "acme", "user": "ada"}


@pytest.mark.django_db(transaction=True)  # Django's handler closes old connections per request
def test_django_integration(load):
    integration = load("django_integration")
    api = integration.api
    from django_bolt.testing import TestClient

    with TestClient(api) as client:
        # Unknown paths under a Django mount keep bolt's JSON 404; the bolt route wins elsewhere.
        missing = client.get("/legacy/nothing/")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
        assert client.post("/asgi/y").text == "asgi at /asgi/y"
        assert client.get("/books/x").status_code == 422
    from django.urls import reverse

    assert reverse("books:detail", urlconf=integration.BoltNames, kwargs={"book_id": 3}) == "/books/3"


def test_errors_and_logging(load, client_for, caplog):
    example = load("errors_and_logging")
    client = client_for(example.api)
    caplog.clear()  # the example's own requests
    with caplog.at_level(logging.DEBUG, logger="shop.requests"):
        client.get("/items/1", headers={"Authorization": "Bearer t0ken"})
    records = [r for r in caplog.records if r.name == "shop.requests"]
    # The request record masks the credentials; the response record has status and duration.
    assert records[0].headers["authorization"] == "***"
    assert records[1].status_code == 200 and records[1].duration_ms >= 0
    # A rate-limited or unauthenticated answer would be a problem too; a handler's 404 is its own.
    assert client.get("/items/2").json() == {"detail": "no item 2"}
    assert client.get("/missing").headers["content-type"] == "application/problem+json"
