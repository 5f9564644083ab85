"""ALLOWED_HOSTS over a real socket: ``runbolt`` subprocesses with a host list of their own
(``BOLT_TEST_ALLOWED_HOSTS``, see tests/settings.py). A refused Host is answered before routing,
static files, the pre-body auth checks (no ``100 Continue``) and WebSocket upgrades."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.server.conftest import REPO, ServerProcess, _base_env, launch
from tests.server.wire import RawConnection, roundtrip, send_and_read_head

HOSTS = "api.example.com,.example.org,[::1]"
STATIC_NAME = "allowed-hosts-test.css"


@pytest.fixture(scope="module")
def hosts_server(server_db: Path, server_logs: Path):
    static_file = Path(settings.STATIC_ROOT) / STATIC_NAME
    static_file.parent.mkdir(parents=True, exist_ok=True)
    static_file.write_text("body {}")
    server = launch(server_db, server_logs, {"BOLT_TEST_ALLOWED_HOSTS": HOSTS}, name="hosts")
    try:
        yield server
    finally:
        rc = server.stop()
        static_file.unlink(missing_ok=True)
        assert rc == 0, server.describe()
        assert "panicked" not in server.stderr(), server.describe()


def get(server: ServerProcess, path: str, host: str, **kwargs):
    return roundtrip(server.port, "GET", path, headers=[("Host", host)], **kwargs)


def test_allowed_hosts_are_served(hosts_server):
    for host in (
        "api.example.com",
        "API.Example.com:8000",
        "api.example.com.",
        "example.org",
        "shop.example.org:443",
        "[::1]",
        "[::1]:8000",
    ):
        r = get(hosts_server, "/hello", host)
        assert r.status == 200, (host, r.status, r.body)


def test_other_hosts_are_a_400(hosts_server):
    for host in (
        "evil.com",
        "127.0.0.1",  # the server's own address is not in the list
        f"127.0.0.1:{hosts_server.port}",
        "api.example.com.evil.com",
        "badexample.org",
        "[::2]",
        "api.example.com:80:80",
        "api.example.com/x",
        "api.example.com@evil.com",
        "",
    ):
        r = get(hosts_server, "/hello", host)
        assert r.status == 400, (host, r.status, r.body)
        assert r.json()["detail"].startswith("Invalid HTTP_HOST header: "), host


def test_refused_before_routing_and_static_files(hosts_server):
    assert get(hosts_server, f"/static/{STATIC_NAME}", "api.example.com").body == b"body {}"
    for path in (f"/static/{STATIC_NAME}", "/no-such-route", "/hello/"):
        r = get(hosts_server, path, "evil.com")
        assert r.status == 400 and b"body {}" not in r.body, (path, r.status)


def test_refused_before_auth_and_before_the_body(hosts_server):
    with RawConnection(hosts_server.port) as conn:
        conn.request(
            "POST",
            "/auth-test/echo",
            headers=[
                ("Host", "evil.com"),
                ("Content-Type", "application/json"),
                ("Content-Length", "1000"),
                ("Expect", "100-continue"),
            ],
        )
        r = conn.read_response()
    # Not 401 (auth) and no 100 Continue: the body was never asked for.
    assert (r.status, r.interim) == (400, [])


def test_build_absolute_uri_cannot_be_poisoned(hosts_server):
    r = get(hosts_server, "/client", "shop.example.org:8443")
    assert r.json()["url"] == "http://shop.example.org:8443/client"
    for poisoned in ("evil.com", "evil.com#.example.org", "evil.com/.example.org"):
        assert get(hosts_server, "/client", poisoned).status == 400, poisoned


def test_http10_without_host_is_refused_when_hosts_are_listed(hosts_server):
    with RawConnection(hosts_server.port) as conn:
        conn.send(b"GET /hello HTTP/1.0\r\n\r\n")
        assert conn.read_response().status == 400
    with RawConnection(hosts_server.port) as conn:
        conn.send(b"GET /hello HTTP/1.0\r\nHost: api.example.com\r\n\r\n")
        assert conn.read_response().status == 200


def _upgrade(port: int, host: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/echo HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"
    )
    return send_and_read_head(port, request.encode())


def test_websocket_upgrade_is_refused_with_400(start_server):
    ws = start_server(BOLT_TEST_API="tests.websocket.ws_api.api", BOLT_TEST_ALLOWED_HOSTS="chat.example.com")
    assert _upgrade(ws.port, "chat.example.com").startswith(b"HTTP/1.1 101")
    for host in ("evil.com", f"127.0.0.1:{ws.port}", "chat.example.com:x"):
        assert _upgrade(ws.port, host).startswith(b"HTTP/1.1 400"), host


def test_debug_defaults_when_allowed_hosts_is_empty(start_server):
    # "," is an empty ALLOWED_HOSTS (tests/settings.py).
    server = start_server(BOLT_TEST_DEBUG="1", BOLT_TEST_ALLOWED_HOSTS=",")
    for host in ("localhost", f"localhost:{server.port}", "app.localhost", f"127.0.0.1:{server.port}", "[::1]"):
        assert get(server, "/hello", host).status == 200, host
    for host in ("evil.com", "127.0.0.2", "testserver"):
        assert get(server, "/hello", host).status == 400, host


def _runbolt_outcome(server_db: Path, log_dir: Path, extra_env: dict[str, str]) -> tuple[str, str]:
    """("exited", output) when runbolt stops, ("serving", output) once it listens instead."""
    env = {**_base_env(server_db), **extra_env}
    out_path, err_path = log_dir / "startup.out", log_dir / "startup.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "django", "runbolt", "--settings", "tests.settings", "--port", "0"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    output = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            exited = proc.poll() is not None
            output = out_path.read_text(errors="replace") + err_path.read_text(errors="replace")
            if exited:
                return "exited", output
            if "listening on" in output:
                return "serving", output
            time.sleep(0.05)
        return "starting", output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_runbolt_refuses_to_start_without_allowed_hosts_when_not_debug(server_db, tmp_path):
    state, output = _runbolt_outcome(server_db, tmp_path, {"BOLT_TEST_ALLOWED_HOSTS": ","})
    assert state == "exited", output
    assert "You must set settings.ALLOWED_HOSTS if DEBUG is False." in output


def test_runbolt_refuses_use_x_forwarded_host(server_db, tmp_path):
    state, output = _runbolt_outcome(server_db, tmp_path, {"BOLT_TEST_USE_X_FORWARDED_HOST": "1"})
    assert state == "exited", output
    assert "USE_X_FORWARDED_HOST is not supported" in output
