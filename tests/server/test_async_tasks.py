"""Async handlers must run inside an asyncio Task of their own, from their very first statement.

asyncio features that look up ``asyncio.current_task()`` (``asyncio.timeout``, and on Python 3.12+
``asyncio.wait_for``, TaskGroups, ...) depend on it.
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.server.wire import RawConnection, roundtrip

needs_asyncio_timeout = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is new in 3.11")


def test_gather_and_sleep_work(server):
    r = roundtrip(server.port, "GET", "/gather")
    assert r.status == 200 and r.json() == {"results": [1, 2]}


def test_current_task_after_the_first_await(server):
    r = roundtrip(server.port, "GET", "/current-task")
    assert r.status == 200
    assert r.json()["after_first_await"] is True


def test_current_task_before_the_first_await(server):
    r = roundtrip(server.port, "GET", "/current-task")
    assert r.json() == {"before_first_await": True, "after_first_await": True}


@needs_asyncio_timeout
def test_asyncio_timeout_as_the_first_statement(server):
    r = roundtrip(server.port, "GET", "/timeout-block?delay=0.3&limit=0.05")
    assert r.status == 200, r.body
    assert r.json()["timed_out"] is True


def test_asyncio_wait_for_as_the_first_await(server):
    r = roundtrip(server.port, "GET", "/wait-for?delay=0.01")
    assert r.status == 200, r.body
    assert r.json() == {"ok": True}


@needs_asyncio_timeout
def test_a_timeout_in_one_request_never_cancels_another(server):
    """B's asyncio.timeout fires while A is in flight on the same event loop; A completes."""
    with RawConnection(server.port) as a:
        # A holds the event loop for 0.4 s (after its first await), then awaits for 1 s.
        a.request("GET", "/busy?seconds=0.4&then_sleep=1")
        # Lets A start first so that B arrives while A is the loop's running task (the case that
        # broke). Only a hint: the handlers' own clocks below prove the overlap or the test fails.
        time.sleep(0.15)
        b = roundtrip(server.port, "GET", "/timeout-block?delay=0.9&limit=0.5", timeout=10)
        a_response = a.read_response(timeout=10)
    assert a_response.status == 200, a_response.body
    assert b.status == 200, b.body
    a_times, b_result = a_response.json(), b.json()
    assert b_result["timed_out"] is True
    # The overlap this test is about: B's timeout fired between A's start and A's end.
    assert a_times["started"] < b_result["fired"] < a_times["finished"], (a_times, b_result)
