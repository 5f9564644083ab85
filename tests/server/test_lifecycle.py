"""Timeouts, slow clients, concurrency and graceful shutdown of the real server."""

from __future__ import annotations

import signal
import socket
import threading
import time
import uuid

import pytest

from tests.server.support import BODY_TIMEOUT, HEADER_TIMEOUT, KEEP_ALIVE, assert_still_serving
from tests.server.wire import ConnectionClosed, RawConnection, roundtrip

# Scheduling slack on a loaded 2-core machine.
SLACK = 1.5


def wait_in_flight(port: int, key: str, count: int, timeout: float = 10.0) -> None:
    """Waits until ``count`` rendezvous requests with ``key`` are inside their handlers."""
    deadline = time.monotonic() + timeout
    while (seen := roundtrip(port, "GET", f"/in-flight?key={key}").json()["in_flight"]) != count:
        assert time.monotonic() < deadline, f"{seen} of {count} requests in flight after {timeout}s"
        time.sleep(0.02)


# ------------------------------------------------------------------ slow and idle clients


def test_slow_client_gets_408_while_others_are_served(start_server):
    # A server of its own with a 3 s header timeout: room for eight requests on a loaded machine
    # before the slow client's 408 (the shared server's 1 s was a race).
    header_timeout = 3.0
    server = start_server(BOLT_TEST_HEADER_TIMEOUT=str(header_timeout))
    with RawConnection(server.port) as slow:
        slow.send(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Partial: ")  # half a head, then nothing
        started = time.monotonic()
        # Meanwhile other clients are served, on new and on kept-alive connections.
        with RawConnection(server.port) as other:
            for i in range(5):
                other.request("GET", f"/items/{i}")
                assert other.read_response().json()["item_id"] == i
        for _ in range(3):
            assert roundtrip(server.port, "GET", "/hello", timeout=5).status == 200
        # ... while the slow client was still pending: its 408 has not been sent yet. (This fails
        # only if the eight requests above took longer than the header timeout.)
        served_in = time.monotonic() - started
        previous = slow.sock.gettimeout()
        slow.sock.setblocking(False)
        try:
            early = slow.sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            early = b""
        finally:
            slow.sock.settimeout(previous)
        assert early == b"", f"the slow client was answered before the others were served ({served_in:.2f}s)"
        r = slow.read_response(timeout=header_timeout + SLACK + 1)
        elapsed = time.monotonic() - started
        assert r.status == 408, r.body
        assert r.json() == {"detail": "Timed out reading the request headers"}
        assert r.header("connection") == "close"
        assert slow.expect_closed(timeout=2) == b""
    assert header_timeout - 0.2 <= elapsed <= header_timeout + SLACK


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
    for target in ("/rendezvous", "/sync-rendezvous"):
        key = uuid.uuid4().hex
        conn = RawConnection(server.port)
        # A handler that waits 0.3 s (nobody else joins the rendezvous).
        conn.request("GET", f"{target}?key={key}&want=2&timeout=0.3")
        wait_in_flight(server.port, key, 1)
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()  # RST while the handler runs
        wait_in_flight(server.port, key, 0)  # the handler finished despite the reset
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
    """An async and a sync handler wait (at a rendezvous only this test completes) while other
    requests, async and sync, are answered. Proved by the handlers' state, not by latency."""
    key = uuid.uuid4().hex
    threads, results, errors = run_in_threads(
        lambda target: roundtrip(server.port, "GET", target, timeout=20).json(),
        [(f"/rendezvous?key={key}&want=3&timeout=15",), (f"/sync-rendezvous?key={key}&want=3&timeout=15",)],
    )
    wait_in_flight(server.port, key, 2)
    assert roundtrip(server.port, "GET", "/hello", timeout=10).status == 200
    assert roundtrip(server.port, "GET", "/sync-hello", timeout=10).status == 200
    # Both were still inside their handlers while those were served.
    wait_in_flight(server.port, key, 2, timeout=0)
    assert all(t.is_alive() for t in threads)
    # The third participant lets them all finish.
    assert roundtrip(server.port, "GET", f"/rendezvous?key={key}&want=3", timeout=20).json() == {"peak": 3}
    join_all(threads, 20)
    assert not errors, errors
    assert results == [{"peak": 3}, {"peak": 3}]


@pytest.mark.parametrize(("target", "count"), [("/rendezvous", 10), ("/sync-rendezvous", 6)])
def test_handlers_run_concurrently(server, target, count):
    """``count`` async handlers (on the loop) or sync handlers (on the thread pool) are inside
    their handlers at once: each waits until all are there (5 s at most) and reports the peak.
    (Elapsed-time figures for the same: bench/suite_thresholds.py.)"""
    key = uuid.uuid4().hex
    threads, results, errors = run_in_threads(
        lambda i: roundtrip(server.port, "GET", f"{target}?key={key}&want={count}", timeout=20).json(),
        [(i,) for i in range(count)],
    )
    join_all(threads, 30)
    assert not errors, errors
    assert results == [{"peak": count}] * count


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


@pytest.mark.parametrize("target", ["/rendezvous", "/sync-rendezvous"])
def test_sigterm_during_a_slow_request_completes_it_and_exits_0(start_server, target):
    server = start_server()
    key = uuid.uuid4().hex
    with RawConnection(server.port) as conn, RawConnection(server.port) as idle:
        idle.request("GET", "/hello")  # an idle keep-alive connection must not hold the shutdown
        assert idle.read_response().status == 200
        conn.request("GET", f"{target}?key={key}&want=2&timeout=1")  # a handler that takes 1 s
        wait_in_flight(server.port, key, 1)  # the handler is running
        sent = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert wait_refused(server.port), "the listener is still accepting after SIGTERM"
        assert idle.expect_closed(timeout=2) == b""
        r = conn.read_response(timeout=5)
        assert r.status == 200, r.body
        assert r.json() == {"peak": 1}
        assert r.header("connection") == "close"  # no keep-alive while draining
        assert conn.expect_closed(timeout=2) == b""
    rc = server.wait(10)
    assert rc == 0, server.describe()
    assert time.monotonic() - sent < 5
    assert "stopped" in server.stdout()
    assert "panicked" not in server.stderr()


def test_sigterm_with_a_pipelined_request_behind_the_running_one(start_server):
    server = start_server()
    key = uuid.uuid4().hex
    with RawConnection(server.port) as conn:
        first = f"GET /rendezvous?key={key}&want=2&timeout=0.5 HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        conn.send(first + b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_in_flight(server.port, key, 1)  # the first is running, the second waits behind it
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


# /sync-spin: a sync handler running Python when the grace ends (the interpreter must not be
# finalized under it: that aborted the process with SIGABRT).
@pytest.mark.parametrize("target", ["/rendezvous", "/sync-rendezvous", "/sync-spin"])
def test_shutdown_grace_bounds_the_drain(start_server, target):
    server = start_server(BOLT_TEST_SHUTDOWN_GRACE="0.5")
    key = uuid.uuid4().hex
    with RawConnection(server.port) as conn:
        conn.request("GET", f"{target}?key={key}&want=2&timeout=5")  # a handler that takes 5 s
        wait_in_flight(server.port, key, 1)
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

    lines = server.stdout().splitlines()
    # As runserver: the system checks first, then the banner.
    assert lines[0] == "Performing system checks..." and "System check identified no issues" in lines[2], lines
    first = next(line for line in lines if line.startswith("django-bolt:"))
    m = re.fullmatch(r"django-bolt: (\d+) routes, listening on http://127\.0\.0\.1:(\d+)", first)
    assert m, first
    assert int(m.group(1)) == len(api.routes)
    assert int(m.group(2)) == server.port


@pytest.mark.parametrize(
    "extra", [[], ["--processes", "2"], ["--skip-checks"]], ids=["one-process", "supervised", "skip-checks"]
)
def test_port_in_use_fails_cleanly(server_db, server_logs, extra):
    """One clear line, before anything starts: the API's lifespan never runs (the port is bound
    first). ``--skip-checks`` leaves out Django's system checks, as with runserver."""
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
            env={**_base_env(server_db), "BOLT_TEST_API": "tests.testapp.lifespan_marker_api.api"},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode != 0
    assert ("System check" in result.stdout) is ("--skip-checks" not in extra), result.stdout
    # One clear line (the lifespan did not start), and no claim to be listening on a port that
    # could not be bound.
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
