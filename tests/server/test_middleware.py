"""Middleware over a real socket: CORS on early errors, compression on the wire, rate limits
keyed by the real peer (spoofed X-Forwarded-For ignored), and a Redis budget shared by two
server processes."""

from __future__ import annotations

import concurrent.futures
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import redis_binary, start_redis
from tests.server.conftest import ServerProcess, launch
from tests.server.support import LIMITS, MAX_UPLOAD
from tests.server.wire import send_and_read_head

API = "tests.testapp.middleware_api.api"
APP = "https://app.example"


@pytest.fixture(scope="module")
def mw_server(server_db: Path, server_logs: Path) -> Iterator[ServerProcess]:
    server = launch(
        server_db, server_logs, {**LIMITS, "BOLT_TEST_API": API, "BOLT_TEST_CORS_ORIGINS": APP}, name="middleware"
    )
    try:
        yield server
    finally:
        server.stop()
        assert "panicked" not in server.stderr()


def test_preflight_and_errors_carry_cors(mw_server):
    with mw_server.client() as c:
        r = c.options("/open", headers={"origin": APP, "access-control-request-method": "GET"})
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == APP
        for path, status in [("/open", 200), ("/missing", 404)]:
            r = c.get(path, headers={"origin": APP})
            assert r.status_code == status
            assert r.headers["access-control-allow-origin"] == APP
        assert "access-control-allow-origin" not in c.get("/open", headers={"origin": "https://evil.example"}).headers


def test_early_413_carries_the_route_cors_headers(mw_server):
    # Rejected from Content-Length before the body is read: the route's own @cors policy applies.
    head = (
        f"POST /upload HTTP/1.1\r\nHost: x\r\nOrigin: https://upload.example\r\n"
        f"Content-Length: {MAX_UPLOAD + 1}\r\n\r\n"
    ).encode()
    response = send_and_read_head(mw_server.port, head).decode("latin-1").lower()
    assert response.startswith("http/1.1 413")
    assert "access-control-allow-origin: https://upload.example" in response


def test_compression_on_the_wire(mw_server):
    with mw_server.client() as c:
        r = c.get("/text", headers={"accept-encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert int(r.headers["content-length"]) < 1000
        assert r.json()["text"].startswith("compress me")
        assert "content-encoding" not in c.get("/text-raw", headers={"accept-encoding": "gzip"}).headers
        assert "content-encoding" not in c.get("/text", headers={"accept-encoding": "identity"}).headers


def test_spoofed_forwarded_for_does_not_bypass_the_limit(mw_server):
    # The peer (127.0.0.1) is not a trusted proxy: every X-Forwarded-For is ignored.
    with mw_server.client() as c:
        statuses = [c.get("/limited", headers={"x-forwarded-for": f"203.0.113.{i}"}).status_code for i in range(1, 6)]
        assert statuses == [200, 200, 200, 429, 429]
        r = c.get("/limited", headers={"x-forwarded-for": "198.51.100.1"})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        r = c.get("/limited", headers={"origin": APP})
        assert r.status_code == 429 and r.headers["access-control-allow-origin"] == APP


def test_forwarded_for_is_used_behind_a_trusted_proxy(start_server):
    server = start_server(BOLT_TEST_API=API, BOLT_TEST_TRUSTED_PROXIES="127.0.0.1")
    with server.client() as c:
        a = [c.get("/limited-xff", headers={"x-forwarded-for": "203.0.113.7"}).status_code for _ in range(3)]
        b = c.get("/limited-xff", headers={"x-forwarded-for": "203.0.113.8"}).status_code
    assert a == [200, 200, 429]
    assert b == 200


@pytest.mark.redis
def test_two_processes_share_one_redis_budget(start_server, redis_url):
    first = start_server(BOLT_TEST_API=API, BOLT_TEST_RATE_LIMIT_REDIS=redis_url)
    second = start_server(BOLT_TEST_API=API, BOLT_TEST_RATE_LIMIT_REDIS=redis_url)
    statuses = []
    with first.client() as c1, second.client() as c2:
        for i in range(10):
            statuses.append((c1 if i % 2 == 0 else c2).get("/shared").status_code)
    # burst=5 for both processes together (each alone would allow 5).
    assert statuses.count(200) == 5, statuses
    assert statuses[5:] == [429] * 5
    with first.client() as c1, second.client() as c2:
        r = c1.get("/shared")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        # Concurrent requests on both processes: the script runs atomically, so exactly the burst.
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            burst = list(pool.map(lambda i: (c1 if i % 2 else c2).get("/shared-burst").status_code, range(60)))
    assert burst.count(200) == 20 and burst.count(429) == 40, burst
    assert "Redis" not in first.stderr() + second.stderr()


@pytest.mark.redis
def test_unreachable_redis_falls_back_to_per_process_buckets(start_server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens here once the socket closes
    server = start_server(BOLT_TEST_API=API, BOLT_TEST_RATE_LIMIT_REDIS=f"redis://127.0.0.1:{dead}/0")
    with server.client() as c:
        statuses = [c.get("/limited").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert "rate-limit Redis at 127.0.0.1" in server.stderr()


def _redis_dbsize(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"DBSIZE\r\n")
        reply = sock.recv(64)
    assert reply.startswith(b":"), reply
    return int(reply[1:].strip())


@pytest.mark.redis
def test_redis_outage_falls_back_then_the_shared_budget_returns(start_server):
    """Redis stops: requests are still answered (per-process buckets, a line on stderr). Redis
    comes back on the same address: within a few seconds both processes spend one budget again."""
    binary = redis_binary()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    redis = start_redis(binary, port)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        first = start_server(BOLT_TEST_API=API, BOLT_TEST_RATE_LIMIT_REDIS=url)
        second = start_server(BOLT_TEST_API=API, BOLT_TEST_RATE_LIMIT_REDIS=url)
        with first.client() as c1, second.client() as c2:
            assert c1.get("/limited").status_code == 200
            assert _redis_dbsize(port) > 0  # the budget lives in Redis
            redis.terminate()
            redis.wait(10)
            during = [(c1 if i % 2 else c2).get("/limited").status_code for i in range(6)]
            assert set(during) <= {200, 429}, during  # limited per process, never an error
            assert "rate-limit Redis at 127.0.0.1" in first.stderr() + second.stderr()

            redis = start_redis(binary, port)  # empty: no key until a process uses it again
            # Each process last failed to reach Redis before it listened again, and tries again
            # a second after its last failure (README): after this both use Redis on their next
            # request. (Without the wait one process could still be in its second when the
            # budget is checked below.)
            time.sleep(1.5)

            def back() -> bool:
                c1.get("/limited")
                c2.get("/limited")
                return _redis_dbsize(port) > 0

            deadline = time.monotonic() + 15  # README: Redis is tried again after a second
            while not back():
                assert time.monotonic() < deadline, "the servers never used Redis again"
                time.sleep(0.1)
            # Shared again: burst 5 for both processes together (per-process buckets would allow 10).
            statuses = [(c1 if i % 2 == 0 else c2).get("/shared").status_code for i in range(10)]
            assert statuses.count(200) == 5, statuses
    finally:
        redis.terminate()
        redis.wait(10)
