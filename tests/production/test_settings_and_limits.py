"""runbolt settings (flags win over BOLT_* settings), startup checks, proxies, logging, limits."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django_bolt import BoltAPI, Request
from django_bolt.conf import SETTING_NAMES, BoltConfig
from django_bolt.testing import TestClient

from tests.server.wire import roundtrip

REPO = Path(__file__).resolve().parents[2]
FLAGS = [
    "--host",
    "--port",
    "--processes",
    "--workers",
    "--backlog",
    "--keep-alive",
    "--dev",
    "--reload-dir",
    "--max-rss",
    "--workers-lifetime",
    "--workers-kill-timeout",
    "--respawn-failed-workers",
    "--no-admin",
]


def test_every_flag_is_documented_in_help():
    result = subprocess.run(
        [sys.executable, "-m", "django", "help", "runbolt", "--settings", "tests.settings"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for flag in FLAGS:
        assert flag in result.stdout, flag
    assert "BOLT_PROCESSES" in result.stdout and "BOLT_MAX_RSS" in result.stdout


def test_settings_apply_and_flags_win():
    with override_settings(BOLT_PROCESSES=3, BOLT_WORKERS=2, BOLT_MAX_RSS=512, BOLT_DEV=True):
        from_settings = BoltConfig.from_settings()
        flagged = BoltConfig.from_settings(processes=4, workers=None)
    assert (from_settings.processes, from_settings.workers, from_settings.max_rss_mb, from_settings.dev) == (
        3,
        2,
        512,
        True,
    )
    assert (flagged.processes, flagged.workers) == (4, 2)
    # every flag's field has a setting
    assert {"processes", "workers_lifetime", "workers_kill_timeout", "no_admin", "reload_dirs"} <= set(SETTING_NAMES)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("BOLT_PROCESSES", 0), ("BOLT_KEEP_ALIVE_TIMEOUT", -1), ("BOLT_PORT", 70000), ("BOLT_DEV", "perhaps")],
)
def test_invalid_settings_are_reported(setting, value):
    with override_settings(**{setting: value}):
        with pytest.raises(ValueError, match=setting):
            BoltConfig.from_settings()


def test_trusted_proxy_headers_in_process():
    api = BoltAPI()

    @api.get("/who")
    async def who(request: Request):
        return {"client": request.client[0], "url": request.build_absolute_uri()}

    headers = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "host": "api.example.com"}
    untrusted = TestClient(api.compile(BoltConfig.from_settings()))
    assert untrusted.get("/who", headers=headers).json() == {"client": "127.0.0.1", "url": "http://api.example.com/who"}
    with override_settings(BOLT_TRUSTED_PROXIES=["127.0.0.0/8"]):
        trusted = TestClient(api.compile(BoltConfig.from_settings()))
    assert trusted.get("/who", headers=headers).json() == {
        "client": "203.0.113.7",
        "url": "https://api.example.com/who",
    }


def test_trusted_proxies_must_be_addresses():
    with override_settings(BOLT_TRUSTED_PROXIES=["not-an-ip"]):
        with pytest.raises(ValueError, match="BOLT_TRUSTED_PROXIES"):
            BoltAPI().compile(BoltConfig.from_settings())


def test_forwarded_headers_over_a_socket_only_from_trusted_peers(start_server):
    trusted = start_server(BOLT_TEST_TRUSTED_PROXIES="127.0.0.1")
    plain = start_server()
    headers = {"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}
    assert trusted.client().get("/client", headers=headers).json()["client"] == "198.51.100.4"
    assert trusted.client().get("/client", headers=headers).json()["url"].startswith("https://")
    assert plain.client().get("/client", headers=headers).json()["client"] == "127.0.0.1"


def test_access_log_lines_never_carry_secrets(start_server):
    server = start_server(BOLT_TEST_ACCESS_LOG="1")
    with server.client() as client:
        client.get("/hello?token=query-secret", headers={"Authorization": "Bearer header-secret"})
        client.post("/echo", json={"name": "body-secret", "price": 1, "count": 1})
    wanted = {("GET", "/hello", 200), ("POST", "/echo", 200)}

    # The lines are written after the responses: waited for, boundedly.
    deadline = time.monotonic() + 10
    while not {(e["method"], e["path"], e["status"]) for e in server.access_log()} >= wanted:
        assert time.monotonic() < deadline, server.stderr()
        time.sleep(0.02)
    lines = server.access_log()
    assert all(e["duration_ms"] >= 0 and e["client"] == "127.0.0.1" and "time" in e for e in lines)
    stderr = server.stderr()
    assert "secret" not in stderr


def test_access_log_names_the_forwarded_client(start_server):
    # The access log reads the route stage's result: the client a trusted proxy forwarded.
    server = start_server(BOLT_TEST_ACCESS_LOG="1", BOLT_TEST_TRUSTED_PROXIES="127.0.0.1")
    with server.client() as client:
        client.get("/hello", headers={"X-Forwarded-For": "198.51.100.4"})
    # The line is written after the response: waited for, boundedly.
    deadline = time.monotonic() + 10
    while not (lines := server.access_log()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [(e["path"], e["client"]) for e in lines] == [("/hello", "198.51.100.4")]


def test_access_log_is_off_by_default(server):
    roundtrip(server.port, "GET", "/hello")
    time.sleep(0.2)
    assert '"path"' not in server.stderr()


def test_connection_limit_queues_extra_clients(start_server):
    server = start_server(BOLT_TEST_MAX_CONNECTIONS="2", BOLT_TEST_KEEP_ALIVE="30")
    request = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
    held = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(request)
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
        held.append(s)
    third = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    third.sendall(request)
    third.settimeout(0.5)
    with pytest.raises(socket.timeout):
        third.recv(65536)  # waits in the backlog: not served while two connections are held
    held.pop().close()
    third.settimeout(5)
    assert third.recv(65536).startswith(b"HTTP/1.1 200")
    third.close()
    for s in held:
        s.close()


def test_system_check_errors_stop_startup(server_db):
    env = {**os.environ, "BOLT_TEST_FAIL_CHECK": "1", "BOLT_TEST_DB": str(server_db)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "runbolt", "--settings", "tests.settings", "--port", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "deliberately failing check" in result.stderr


def test_unapplied_migrations_are_reported(start_server, tmp_path):
    server = start_server(BOLT_TEST_DB=str(tmp_path / "fresh.sqlite3"))
    assert "unapplied migration" in server.stdout()
    assert server.stop() == 0


def test_system_check_warnings_print_but_do_not_stop_startup(start_server):
    server = start_server(BOLT_TEST_WARN_CHECK="1")
    assert "deliberate warning" in server.stdout() + server.stderr()
    with server.client() as client:
        assert client.get("/hello").status_code == 200
    assert server.stop() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the listen queue size with ss (Linux)")
@pytest.mark.parametrize("args", [[], ["--processes", "2"]], ids=["one-process", "supervised"])
def test_backlog_sets_the_listen_queue_size(start_server, args):
    """--backlog is the listening socket's queue size, as the kernel reports it (ss's Send-Q of a
    listening socket), for the single process and for the supervisor's shared socket."""
    ss = shutil.which("ss")
    if ss is None:
        pytest.skip("ss (iproute2) is not installed")
    server = start_server("--backlog", "37", *args)
    out = subprocess.run([ss, "-ltnH", f"sport = :{server.port}"], capture_output=True, text=True, check=True).stdout
    assert [int(line.split()[2]) for line in out.splitlines()] == [37], out
