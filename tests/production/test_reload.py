"""Zero-downtime code deploys (SIGHUP replaces every worker) and the double Ctrl-C that stops at once."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid

import httpx
import pytest

from tests.production.test_processes import _in_flight, children, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are Linux-only")


def test_sighup_replaces_every_worker_without_losing_a_request(start_server):
    server = start_server("--processes", "2")
    old = wait_for(lambda: c if len(c := children(server.pid)) == 2 else None, 10)
    stop = threading.Event()
    outcomes: list[tuple[float, int | str]] = []  # (when, worker pid or what went wrong)

    def client_loop() -> None:
        # A new connection per request: each one is accepted by whichever worker listens then.
        with httpx.Client(base_url=server.url, timeout=10, headers={"Connection": "close"}) as client:
            while not stop.is_set():
                try:
                    response = client.get("/pid")
                    ok = response.status_code == 200
                    outcome = response.json()["pid"] if ok else f"status {response.status_code}"
                except httpx.TransportError as exc:
                    outcome = f"transport error {exc!r}"
                outcomes.append((time.monotonic(), outcome))

    threads = [threading.Thread(target=client_loop) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        assert wait_for(lambda: len(outcomes) >= 60, 15), "the load never got going"
        server.send_signal(signal.SIGHUP)
        new = wait_for(lambda: c if len(c := children(server.pid)) == 2 and not c & old else None, 30)
        assert new, f"the workers were not replaced\n{server.describe()}"
        replaced_at = time.monotonic()
        # Still under load until the new workers have answered 100 more requests.
        assert wait_for(lambda: sum(1 for when, _ in outcomes if when > replaced_at) >= 100, 30)
    finally:
        stop.set()
        for t in threads:
            t.join(15)
    lost = [o for _, o in outcomes if not isinstance(o, int)]
    assert lost == [], f"{len(lost)} of {len(outcomes)} requests lost: {lost[:5]}"
    answered_by = {o for _, o in outcomes}
    assert answered_by & old and new <= answered_by, (old, new, answered_by)
    assert "SIGHUP" in server.stderr()
    assert server.stop() == 0, server.describe()


def test_sighup_twice_in_a_row_still_ends_with_one_set_of_workers(start_server):
    server = start_server("--processes", "2")
    old = wait_for(lambda: c if len(c := children(server.pid)) == 2 else None, 10)
    server.send_signal(signal.SIGHUP)
    server.send_signal(signal.SIGHUP)
    settled = wait_for(lambda: c if len(c := children(server.pid)) == 2 and not c & old else None, 30)
    assert settled, server.describe()
    with httpx.Client(base_url=server.url, timeout=5, headers={"Connection": "close"}) as client:
        assert {client.get("/pid").json()["pid"] for _ in range(20)} <= settled
    assert server.stop() == 0, server.describe()


@pytest.mark.parametrize("extra", [[], ["--processes", "2"]], ids=["one-process", "supervised"])
def test_second_interrupt_stops_at_once(start_server, extra):
    """The first Ctrl-C drains (a 60 s request would hold it); the second stops without waiting."""
    server = start_server(*extra, BOLT_TEST_SHUTDOWN_GRACE="60")
    key = uuid.uuid4().hex
    held = threading.Thread(
        target=lambda: _ignore_errors(
            httpx.get, f"{server.url}/rendezvous", params={"key": key, "want": 2, "timeout": 60}, timeout=70
        ),
        daemon=True,
    )
    held.start()
    assert wait_for(lambda: _in_flight(server.url, key) == 1, 10), "the held request never started"
    workers = children(server.pid)
    server.send_signal(signal.SIGINT)
    # Draining: the held request keeps the server up.
    assert wait_for(lambda: not server.alive(), 1.0) is False
    started = time.monotonic()
    server.send_signal(signal.SIGINT)
    assert server.wait(10) == 0, server.describe()
    assert time.monotonic() - started < 5
    assert "stopping now" in server.stderr(), server.describe()
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")], "workers outlived the supervisor"


def _ignore_errors(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except httpx.HTTPError:
        pass
