"""Timeouts, slow clients, concurrency and graceful shutdown of the real server."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

from tests.server.support import BODY_TIMEOUT, HEADER_TIMEOUT, KEEP_ALIVE, assert_still_serving
from tests.server.wire import ConnectionClosed, RawConnection, roundtrip

# Scheduling slack on a loaded 2-core machine.
SLACK = 1.5


def timed_get(port: int, target: str = "/hello") -> float:
    start = time.monotonic()
    r = roundtrip(port, "GET", target, timeout=3)
    assert r.status == 200
    return time.monotonic() - start


# ------------------------------------------------------------------ slow and idle clients


def test_slow_client_gets_408_while_others_are_served(server):
    with RawConnection(server.port) as slow:
        slow.send(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Partial: ")  # half a head, then nothing
        started = time.monotonic()
        # Meanwhile other clients are served at once, on new and on kept-alive connections.
        with RawConnection(server.port) as other:
            for i in range(5):
                t = time.monotonic()
                other.request("GET", f"/items/{i}")
                assert other.read_response().json()["item_id"] == i
                assert time.monotonic() - t < 0.8
                time.sleep(0.05)
        for _ in range(3):
            assert timed_get(server.port) < 0.8
        assert time.monotonic() - started < HEADER_TIMEOUT  # all served while the slow client was pending
        r = slow.read_response(timeout=HEADER_TIMEOUT + SLACK + 1)
        elapsed = time.monotonic() - started
        assert r.status == 408, r.body
        assert r.json() == {"detail": "Timed out reading the request headers"}
        assert r.header("connection") == "close"
        assert slow.expect_closed(timeout=2) == b""
    assert HEADER_TIMEOUT - 0.2 <= elapsed <= HEADER_TIMEOUT + SLACK


def test_trickling_client_cannot_extend_the_header_timeout(server):
    head = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 200
    with RawConnection(server.port) as conn:
        started = time.monotonic()
        response = None
        for b in head:  # one byte every 50 ms: the head would take 10 s to arrive
            try:
                conn.send(bytes([b]))
            except OSError:
                break
            try:
                response = conn.read_response(timeout=0.05)
                break
            except TimeoutError:
                continue
            except ConnectionClosed:
                break
        elapsed = time.monotonic() - started
        if response is None:
            response = conn.read_response(timeout=1)
    assert response.status == 408
    assert HEADER_TIMEOUT - 0.2 <= elapsed <= HEADER_TIMEOUT + SLACK


def test_connection_without_any_bytes_is_closed_silently(server):
    with RawConnection(server.port) as conn:
        started = time.monotonic()
        assert conn.expect_closed(timeout=HEADER_TIMEOUT + SLACK + 1) == b""
        elapsed = time.monotonic() - started
    assert HEADER_TIMEOUT - 0.2 <= elapsed <= HEADER_TIMEOUT + SLACK


def test_idle_keep_alive_connection_is_closed_after_the_timeout(server):
    with RawConnection(server.port) as conn:
        conn.request("GET", "/hello")
        assert conn.read_response().status == 200
        started = time.monotonic()
        assert conn.expect_closed(timeout=KEEP_ALIVE + SLACK + 1) == b""
        elapsed = time.monotonic() - started
    assert KEEP_ALIVE - 0.2 <= elapsed <= KEEP_ALIVE + SLACK


def test_partial_second_request_on_a_kept_alive_connection_gets_408(server):
    with RawConnection(server.port) as conn:
        conn.request("GET", "/hello")
        assert conn.read_response().status == 200
        conn.send(b"GET /hello HTTP/1.1\r\n")
        r = conn.read_response(timeout=HEADER_TIMEOUT + SLACK + 1)
        assert r.status == 408
        assert conn.expect_closed(timeout=2) == b""


def test_stalled_body_gets_408(server):
    with RawConnection(server.port) as conn:
        conn.send(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"name":')
        started = time.monotonic()
        r = conn.read_response(timeout=BODY_TIMEOUT + SLACK + 1)
        elapsed = time.monotonic() - started
        assert r.status == 408
        assert r.json() == {"detail": "Timed out reading the request body"}
        assert conn.expect_closed(timeout=2) == b""
    assert BODY_TIMEOUT - 0.2 <= elapsed <= BODY_TIMEOUT + SLACK


def test_stalled_chunked_body_gets_408(server):
    with RawConnection(server.port) as conn:
        conn.send(b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam')
        r = conn.read_response(timeout=BODY_TIMEOUT + SLACK + 1)
        assert r.status == 408


def test_100_continue_client_that_never_sends_the_body_gets_408(server):
    with RawConnection(server.port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
        r = conn.read_response(timeout=BODY_TIMEOUT + SLACK + 1)
        assert r.interim == [100]
        assert r.status == 408


def test_client_half_close_after_a_complete_request_still_gets_the_response(server):
    with RawConnection(server.port) as conn:
        conn.request("GET", "/slow?delay=0.2")
        conn.sock.shutdown(socket.SHUT_WR)
        r = conn.read_response()
        assert r.status == 200 and r.json() == {"slept": 0.2}
        assert conn.expect_closed(timeout=2) == b""


def test_client_disconnecting_mid_request_does_not_hurt_the_server(server):
    for target in ("/slow?delay=0.3", "/sync-slow?delay=0.3"):
        conn = RawConnection(server.port)
        conn.request("GET", target)
        time.sleep(0.05)
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()  # RST while the handler runs
    time.sleep(0.5)
    assert_still_serving(server.port)


# ------------------------------------------------------------------ concurrency


def run_in_threads(fn, args_list):
    results: list = [None] * len(args_list)
    errors: list = []

    def worker(i, args):
        try:
            results[i] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, a), daemon=True) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    return threads, results, errors


def join_all(threads, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "request threads did not finish"


def test_slow_handlers_do_not_block_other_requests(server):
    threads, results, errors = run_in_threads(
        lambda target: roundtrip(server.port, "GET", target, timeout=5).json(),
        [("/slow?delay=1",), ("/sync-slow?delay=1",)],
    )
    time.sleep(0.1)
    assert timed_get(server.port) < 0.8
    assert timed_get(server.port, "/sync-hello") < 0.8
    join_all(threads, 5)
    assert not errors, errors
    assert results == [{"slept": 1.0}, {"slept": 1.0}]


def test_async_handlers_run_concurrently(server):
    started = time.monotonic()
    threads, results, errors = run_in_threads(
        lambda i: roundtrip(server.port, "GET", "/slow?delay=0.5", timeout=5).json(), [(i,) for i in range(10)]
    )
    join_all(threads, 5)
    elapsed = time.monotonic() - started
    assert not errors, errors
    assert results == [{"slept": 0.5}] * 10
    assert elapsed < 0.5 * 10 / 2  # far below serial execution


def test_sync_handlers_run_on_a_thread_pool(server):
    started = time.monotonic()
    threads, results, errors = run_in_threads(
        lambda i: roundtrip(server.port, "GET", "/sync-slow?delay=0.5", timeout=5).json(), [(i,) for i in range(6)]
    )
    join_all(threads, 5)
    elapsed = time.monotonic() - started
    assert not errors, errors
    assert results == [{"slept": 0.5}] * 6
    assert elapsed < 0.5 * 6 / 2


# ------------------------------------------------------------------ graceful shutdown


def wait_refused(port: int, timeout: float = 2.0) -> bool:
    """True once new connections to ``port`` are refused."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
        except ConnectionRefusedError:
            return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("target", ["/slow?delay=1", "/sync-slow?delay=1"])
def test_sigterm_during_a_slow_request_completes_it_and_exits_0(start_server, target):
    server = start_server()
    with RawConnection(server.port) as conn, RawConnection(server.port) as idle:
        idle.request("GET", "/hello")  # an idle keep-alive connection must not hold the shutdown
        assert idle.read_response().status == 200
        conn.request("GET", target)
        time.sleep(0.3)  # the handler is running
        sent = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert wait_refused(server.port), "the listener is still accepting after SIGTERM"
        assert idle.expect_closed(timeout=2) == b""
        r = conn.read_response(timeout=5)
        assert r.status == 200, r.body
        assert r.json() == {"slept": 1.0}
        assert r.header("connection") == "close"  # no keep-alive while draining
        assert conn.expect_closed(timeout=2) == b""
    rc = server.wait(10)
    assert rc == 0, server.describe()
    assert time.monotonic() - sent < 5
    assert "stopped" in server.stdout()
    assert "panicked" not in server.stderr()


def test_sigterm_with_a_pipelined_request_behind_the_running_one(start_server):
    server = start_server()
    with RawConnection(server.port) as conn:
        conn.send(b"GET /slow?delay=0.5 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        r = conn.read_response(timeout=5)
        assert r.status == 200 and r.header("connection") == "close"
        assert conn.expect_closed(timeout=2) == b""  # the queued request is dropped, not half-served
    assert server.wait(10) == 0, server.describe()


def test_sigint_exits_0(start_server):
    server = start_server()
    assert_still_serving(server.port)
    server.send_signal(signal.SIGINT)
    assert server.wait(10) == 0, server.describe()
    assert "Traceback" not in server.stderr()


def test_idle_server_exits_promptly_on_sigterm(start_server):
    server = start_server()
    assert_still_serving(server.port)
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    assert server.wait(10) == 0, server.describe()
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("target", ["/slow?delay=5", "/sync-slow?delay=5"])
def test_shutdown_grace_bounds_the_drain(start_server, target):
    server = start_server(BOLT_TEST_SHUTDOWN_GRACE="0.5")
    with RawConnection(server.port) as conn:
        conn.request("GET", target)
        time.sleep(0.3)
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        rc = server.wait(10)
        elapsed = time.monotonic() - started
        # The request outlived the grace period: its connection is dropped without a response.
        with pytest.raises(ConnectionClosed):
            conn.read_response(timeout=2)
    assert rc == 0, server.describe()
    assert elapsed < 4, elapsed
    assert "still open" in server.stderr()
    assert "panicked" not in server.stderr() and "Fatal Python error" not in server.stderr()


# ------------------------------------------------------------------ startup


def test_startup_line_reports_routes_and_address(server):
    import re

    from tests.testapp.server_api import api

    first = server.stdout().splitlines()[0]
    m = re.fullmatch(r"django-bolt: (\d+) routes, listening on http://127\.0\.0\.1:(\d+)", first)
    assert m, first
    assert int(m.group(1)) == len(api.routes)
    assert int(m.group(2)) == server.port


@pytest.mark.parametrize("extra", [[], ["--processes", "2"]], ids=["one-process", "supervised"])
def test_port_in_use_fails_cleanly(server_db, server_logs, extra):
    import subprocess
    import sys

    from tests.server.conftest import REPO, _base_env

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "django", "runbolt", "--settings", "tests.settings", "--port", str(port), *extra],
            cwd=REPO,
            env=_base_env(server_db),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode != 0
    # One clear line, and no claim to be listening on a port that could not be bound.
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "listening on" not in result.stdout, result.stdout


def test_sigterm_while_the_body_is_still_arriving(start_server):
    server = start_server()
    body = b'{"name": "late", "price": 1.0, "count": 2}'
    with RawConnection(server.port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body[:10]))
        time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        conn.send(body[10:])
        r = conn.read_response()
        assert r.status == 200 and r.json()["name"] == "late"
        assert r.header("connection") == "close"
    assert server.wait(10) == 0, server.describe()


def test_multi_worker_runtime_serves_and_drains(start_server):
    server = start_server("--workers", "2")
    threads, results, errors = run_in_threads(
        lambda target: roundtrip(server.port, "GET", target, timeout=5).json(),
        [("/slow?delay=0.5",), ("/sync-slow?delay=0.5",), ("/items/1",), ("/sync-hello",)] * 3,
    )
    join_all(threads, 5)
    assert not errors, errors
    assert results[:4] == [
        {"slept": 0.5},
        {"slept": 0.5},
        {"item_id": 1, "q": None},
        {"message": "hello from a thread"},
    ]
    with RawConnection(server.port) as conn:
        conn.request("GET", "/slow?delay=0.5")
        time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        assert conn.read_response().json() == {"slept": 0.5}
    assert server.wait(10) == 0, server.describe()
    assert "panicked" not in server.stderr()
