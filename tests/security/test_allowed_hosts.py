"""ALLOWED_HOSTS in process: the Rust check agrees with Django's own host validation, is compiled
from Django settings (with the DEBUG defaults), and answers 400 before routing, static files and
WebSocket upgrades. The socket side is in test_allowed_hosts_socket.py."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.http.request import split_domain_port, validate_host
from django.test import override_settings
from django_bolt import BoltAPI, Request, WebSocket, _core
from django_bolt.conf import DEBUG_ALLOWED_HOSTS, BoltConfig
from django_bolt.testing import HandshakeRejected, TestClient, WebSocketTestClient

REPO = Path(__file__).resolve().parents[2]

PATTERN_LISTS = [
    ["example.com"],
    [".example.com"],
    ["EXAMPLE.com", "[::1]"],
    ["*"],
    ["api.example.org", "*"],
    [".localhost", "127.0.0.1", "[::1]"],
    ["example.com:8000"],
    ["example.com."],
    ["."],
    [""],
    [],
]
HOSTS = [
    "example.com",
    "Example.COM",
    "example.com:8000",
    "example.com.",
    "example.com.:80",
    "example.com..",
    "www.example.com",
    "a.b.example.com:1",
    "badexample.com",
    "example.com.evil.net",
    "localhost",
    "app.localhost:8000",
    "127.0.0.1",
    "127.0.0.1:8000",
    "[::1]",
    "[::1]:8000",
    "[2001:DB8::1]:443",
    "[::g]",
    "[1.2.3.4]",
    "[::1",
    "::1",
    "",
    ".",
    ":80",
    "example.com:",
    "example.com:x",
    "example.com:80:80",
    "under_score.com",
    "evil.com/path",
    "evil.com?x",
    "user@evil.com",
    "a b",
    "b\xfccher.de",
]


def _api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/where")
    async def where(request: Request) -> dict:
        return {"url": request.build_absolute_uri()}

    @api.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    return api


def _client(hosts: list[str], debug: bool = False) -> TestClient:
    return TestClient(_api().compile(BoltConfig.build(allowed_hosts=hosts, debug=debug)))


def _django_allows(host: str, patterns: list[str]) -> bool:
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, patterns)


@pytest.mark.parametrize("patterns", PATTERN_LISTS, ids=lambda p: ",".join(p) or "empty")
def test_agrees_with_djangos_validate_host(patterns):
    app = _api().compile(BoltConfig.build(allowed_hosts=patterns))
    for host in HOSTS:
        # Straight to the pipeline: httpx would refuse some of these header values itself.
        status, _headers, body = _core.test_request(app, "GET", "/where", [("host", host)], b"", None)
        expected = 200 if _django_allows(host, patterns) else 400
        assert status == expected, (host, patterns, body)


def test_agrees_with_django_on_generated_hosts():
    """Hosts built from pieces the grammar cares about, with a fixed seed; each list below allows
    a hundred or more of them, so both answers are exercised."""
    rng = random.Random(13)
    pieces = ["a", "A", "f", "0", ".", "-"] * 3 + [":", "[", "]", "::1", ":80", "_", " ", "/", "@"]
    hosts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    for patterns in (["*"], [".a", "a", "f0.a", "[::1]"], ["a.", ".", "[a::f]", "A", ".0"]):
        app = _api().compile(BoltConfig.build(allowed_hosts=patterns))
        for host in hosts:
            status, _headers, _body = _core.test_request(app, "GET", "/where", [("host", host)], b"", None)
            assert status == (200 if _django_allows(host, patterns) else 400), (host, patterns)


def test_refusal_is_a_400_with_djangos_message():
    client = _client(["example.com"])
    r = client.get("/where", headers={"host": "Evil.com:81"})
    assert r.status_code == 400
    assert r.json() == {
        "detail": "Invalid HTTP_HOST header: 'Evil.com:81'. You may need to add 'evil.com' to ALLOWED_HOSTS."
    }
    r = client.get("/where", headers={"host": "evil.com/x"})
    assert r.json() == {
        "detail": "Invalid HTTP_HOST header: 'evil.com/x'. "
        "The domain name provided is not valid according to RFC 1034/1035."
    }
    head = client.head("/where", headers={"host": "evil.com"})
    assert head.status_code == 400 and head.content == b""


def test_refused_before_routing():
    client = _client(["example.com"])
    for method, path in (("GET", "/nowhere"), ("POST", "/where"), ("OPTIONS", "/where"), ("GET", "/where/")):
        r = client.request(method, path, headers={"host": "evil.com"})
        assert r.status_code == 400, (method, path, r.status_code)


def test_build_absolute_uri_uses_only_an_allowed_host():
    client = _client([".example.com"])
    assert client.get("/where", headers={"host": "shop.example.com"}).json() == {"url": "http://shop.example.com/where"}
    for poisoned in ("evil.com", "shop.example.com@evil.com", "evil.com/shop.example.com", "evil.com#.example.com"):
        assert client.get("/where", headers={"host": poisoned}).status_code == 400, poisoned


async def test_websocket_upgrade_is_refused_before_the_handler():
    app = _api().compile(BoltConfig.build(allowed_hosts=["example.com"]))
    with pytest.raises(HandshakeRejected) as rejected:
        await WebSocketTestClient(app, "/ws", headers={"host": "evil.com"}).connect()
    assert rejected.value.status_code == 400
    assert rejected.value.detail.startswith("Invalid HTTP_HOST header: 'evil.com'")
    async with WebSocketTestClient(app, "/ws", headers={"host": "example.com"}) as ws:
        assert ws.accepted


def test_static_files_are_refused(tmp_path):
    (tmp_path / "site.css").write_text("body {}")
    config = BoltConfig.build(allowed_hosts=["example.com"], static_url="/static/", static_root=str(tmp_path))
    client = TestClient(_api().compile(config))
    assert client.get("/static/site.css", headers={"host": "example.com"}).text == "body {}"
    r = client.get("/static/site.css", headers={"host": "evil.com"})
    assert r.status_code == 400 and "body" not in r.text


def test_compiled_from_django_settings_with_the_debug_defaults():
    with override_settings(ALLOWED_HOSTS=["API.example.com"], DEBUG=False):
        assert BoltConfig.from_settings().allowed_hosts == ("API.example.com",)
    with override_settings(ALLOWED_HOSTS=[], DEBUG=True):
        assert BoltConfig.from_settings().allowed_hosts == DEBUG_ALLOWED_HOSTS
    with override_settings(ALLOWED_HOSTS=[], DEBUG=False):
        assert BoltConfig.from_settings().allowed_hosts == ()


def test_a_string_is_refused_rather_than_read_as_characters():
    with override_settings(ALLOWED_HOSTS="example.com"):
        with pytest.raises(ValueError, match="ALLOWED_HOSTS must be a list"):
            BoltConfig.from_settings()
    with pytest.raises(ValueError, match="ALLOWED_HOSTS must be a list"):
        BoltConfig.build(allowed_hosts="*.example.com")


def test_debug_defaults_in_process():
    api = _api()
    with override_settings(ALLOWED_HOSTS=[], DEBUG=True):
        client = TestClient(api)
        for host in ("localhost", "localhost:8000", "app.localhost", "127.0.0.1:8000", "[::1]"):
            assert client.get("/where", headers={"host": host}).status_code == 200, host
        for host in ("testserver", "example.com", "127.0.0.2"):
            assert client.get("/where", headers={"host": host}).status_code == 400, host


def test_the_test_client_follows_settings_changes():
    """As Django reads ALLOWED_HOSTS per request, a client made under override_settings sees it."""
    api = _api()
    assert TestClient(api).get("/where").status_code == 200
    with override_settings(ALLOWED_HOSTS=["example.com"]):
        assert TestClient(api).get("/where").status_code == 400
        assert TestClient(api, base_url="http://example.com").get("/where").status_code == 200
    assert TestClient(api).get("/where").status_code == 200


def test_use_x_forwarded_host_is_refused_not_ignored():
    with override_settings(USE_X_FORWARDED_HOST=True):
        with pytest.raises(ValueError, match="USE_X_FORWARDED_HOST"):
            BoltConfig.from_settings()
        with pytest.raises(ValueError, match="USE_X_FORWARDED_HOST"):
            _api().compile()


def test_a_missing_host_is_allowed_only_under_star():
    for hosts, status in ((["*"], 200), (["example.com"], 400)):
        app = _api().compile(BoltConfig.build(allowed_hosts=hosts))
        got, _headers, _body = _core.test_request(app, "GET", "/where", [], b"", None)
        assert got == status, hosts


def test_test_client_under_djangos_test_environment(tmp_path):
    """A project with DEBUG=False and its real ALLOWED_HOSTS: Django's test setup adds
    'testserver', so TestClient's default host works there and other hosts are still refused."""
    script = tmp_path / "check.py"
    script.write_text(
        textwrap.dedent(
            """
            import django
            from django.conf import settings

            settings.configure(
                DEBUG=False,
                ALLOWED_HOSTS=["api.example.com"],
                INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_bolt"],
                DATABASES={},
            )
            django.setup()
            from django.test.utils import setup_test_environment

            setup_test_environment()
            from django_bolt import BoltAPI
            from django_bolt.testing import TestClient

            api = BoltAPI()

            @api.get("/")
            async def index() -> dict:
                return {}

            client = TestClient(api)
            print(client.get("/").status_code, client.get("/", headers={"host": "evil.com"}).status_code,
                  client.get("/", headers={"host": "api.example.com"}).status_code)
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "400", "200"]
