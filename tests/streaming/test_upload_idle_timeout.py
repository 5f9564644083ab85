"""BOLT_BODY_TIMEOUT bounds each read of a streamed upload, not the whole body: a large upload
over a slow but steady link is received; one that stalls for longer than the timeout gets 408."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.server.wire import RawConnection
from tests.streaming.test_upload_streaming import ORIGIN, TAIL, _headers, _part_head

KIB = 1024
BODY_TIMEOUT = 1.0
#: 384 KiB (above the 64 KiB spool threshold, so the body is streamed) in 24 slices.
SLICE = b"s" * (16 * KIB)
SLICES = 24


@pytest.fixture
def slow_link_server(start_server) -> Iterator:
    server = start_server(
        BOLT_TEST_MAX_UPLOAD=str(4 * 1024 * KIB),
        BOLT_TEST_BODY_TIMEOUT=str(BODY_TIMEOUT),
        BOLT_TEST_CORS_ORIGINS=ORIGIN,
    )
    yield server
    assert "panicked" not in server.stderr()


def _send_paced(conn: RawConnection, pieces: list[bytes], pause: float) -> float:
    """Sends the pieces with ``pause`` between them (the slow link under test); returns the time taken."""
    started = time.monotonic()
    for piece in pieces:
        conn.send(piece)
        time.sleep(pause)
    return time.monotonic() - started


def test_a_slow_but_steady_upload_outlasting_the_body_timeout_is_received(slow_link_server):
    head = _part_head()
    with RawConnection(slow_link_server.port, timeout=30) as conn:
        conn.request("POST", "/streaming/upload-digest", _headers(len(head) + SLICES * len(SLICE) + len(TAIL)))
        took = _send_paced(conn, [head, *[SLICE] * SLICES], pause=BODY_TIMEOUT / 8)
        conn.send(TAIL)
        response = conn.read_response(timeout=30)
    assert took > 2 * BODY_TIMEOUT  # the whole body took longer than the timeout
    assert response.status == 200, response.body
    assert response.json()["size"] == SLICES * len(SLICE)


def test_a_streamed_upload_that_stalls_past_the_timeout_gets_408(slow_link_server):
    head = _part_head()
    with RawConnection(slow_link_server.port, timeout=30) as conn:
        conn.request("POST", "/streaming/upload-digest", _headers(len(head) + SLICES * len(SLICE) + len(TAIL)))
        conn.send(head + SLICE * 6)  # then nothing
        response = conn.read_response(timeout=30)
    assert response.status == 408, response.body
    assert response.json() == {"detail": "Timed out reading the request body"}
