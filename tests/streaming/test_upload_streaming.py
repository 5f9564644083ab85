"""Large multipart uploads over a real socket are parsed while they arrive: the server's memory
stays flat, big parts land in temporary files that are gone after the response (or after a
disconnect), and limits are answered before the client has sent everything."""

from __future__ import annotations

import hashlib
import os
import select
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.wire import ConnectionClosed, RawConnection
from tests.streaming.test_uploads import _assert_too_large

MIB = 1024 * 1024
BOUNDARY = "bolt-test-boundary-7f3a"
ORIGIN = "http://app.example"
#: Random-looking bytes, repeated to make large bodies without holding them.
BLOCK = hashlib.sha256(b"seed").digest() * (MIB // 32)


def _part_head(name: str = "file", filename: str = "big.bin") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def _headers(length: int | None) -> dict[str, str]:
    framing = {"Content-Length": str(length)} if length is not None else {"Transfer-Encoding": "chunked"}
    return {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Origin": ORIGIN, **framing}


def _vm(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory figure in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def _wait_for(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for: {what}"
        time.sleep(0.02)


@pytest.fixture
def tmpdir_server(start_server, tmp_path: Path) -> Iterator[tuple]:
    """A server whose temporary files go to a directory of its own (listed by the tests)."""
    spool = tmp_path / "spool"
    spool.mkdir()
    server = start_server(
        TMPDIR=str(spool),
        BOLT_TEST_MAX_UPLOAD=str(72 * MIB),
        BOLT_TEST_BODY_TIMEOUT="120",
        BOLT_TEST_CORS_ORIGINS=ORIGIN,
    )
    yield server, spool
    assert "panicked" not in server.stderr()


def _upload(port: int, blocks: int, chunked: bool = False) -> tuple[dict, str]:
    """Streams a file of ``blocks`` MiB to /streaming/upload-digest; returns the JSON and hash."""
    head, size = _part_head(), blocks * MIB
    digest = hashlib.sha256()
    with RawConnection(port, timeout=60) as conn:
        conn.request("POST", "/streaming/upload-digest", _headers(None if chunked else len(head) + size + len(TAIL)))
        for piece in [head, *([BLOCK] * blocks), TAIL]:
            if piece is BLOCK:
                digest.update(piece)
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            conn.send(b"0\r\n\r\n")
        r = conn.read_response(timeout=60)
    assert r.status == 200, r.body
    return r.json(), digest.hexdigest()


def test_a_large_upload_streams_to_disk(tmpdir_server):
    """A 64 MiB part lands in a temporary file, intact, which is gone after the response. (The
    server's peak memory meanwhile is measured by bench/suite_thresholds.py.)"""
    server, spool = tmpdir_server
    got, sha = _upload(server.port, 64)
    assert got == {"size": 64 * MIB, "sha256": sha, "on_disk": True, "note": ""}
    assert list(spool.iterdir()) == []


def test_a_chunked_upload_streams_too(tmpdir_server):
    server, spool = tmpdir_server
    got, sha = _upload(server.port, 8, chunked=True)
    assert got == {"size": 8 * MIB, "sha256": sha, "on_disk": True, "note": ""}
    assert list(spool.iterdir()) == []


def test_a_disconnect_mid_upload_leaves_no_temporary_file(tmpdir_server):
    server, spool = tmpdir_server
    with RawConnection(server.port) as conn:
        conn.request("POST", "/streaming/upload-digest", _headers(64 * MIB))
        conn.send(_part_head())
        for _ in range(8):
            conn.send(BLOCK)
        _wait_for(lambda: any(spool.iterdir()), "the part's temporary file")
    _wait_for(lambda: not any(spool.iterdir()), "the temporary file to be removed")
    assert _upload(server.port, 2)[0]["size"] == 2 * MIB  # still serving


def _send_until_answered(conn: RawConnection, pieces: Iterator[bytes]) -> int:
    """Sends pieces until the server's answer starts arriving; returns how many bytes went out."""
    sent = 0
    for piece in pieces:
        if select.select([conn.sock], [], [], 0)[0]:
            break
        try:
            conn.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(piece)
    return sent


def test_a_part_over_max_size_is_refused_before_the_body_is_sent(tmpdir_server):
    server, spool = tmpdir_server
    total = 64 * MIB
    with RawConnection(server.port) as conn:
        conn.request("POST", "/streaming/upload?name=early", _headers(total))
        conn.send(_part_head(filename="a.zip"))
        _send_until_answered(conn, iter([BLOCK] * 3))  # File(max_size=2_000_000)
        r = conn.read_response()
    assert r.status == 422
    _assert_too_large(r.json(), 2_000_000)
    assert r.header("access-control-allow-origin") == ORIGIN
    _wait_for(lambda: not any(spool.iterdir()), "the temporary file to be removed")


def test_a_chunked_body_over_the_upload_limit_is_refused_early(tmpdir_server):
    server, spool = tmpdir_server
    with RawConnection(server.port) as conn:
        conn.request("POST", "/streaming/upload-digest", _headers(None))
        conn.send(b"%x\r\n%s\r\n" % (len(_part_head()), _part_head()))
        chunk = b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK)
        sent = _send_until_answered(conn, iter([chunk] * 200))
        try:
            r = conn.read_response()
        except ConnectionClosed:
            pytest.fail("the connection closed without a 413")
    assert sent < 200 * len(chunk)
    assert r.status == 413
    assert "limit" in r.json()["detail"]
    assert r.header("access-control-allow-origin") == ORIGIN
    _wait_for(lambda: not any(spool.iterdir()), "the temporary file to be removed")


def test_no_temporary_files_outlive_a_handler_error(tmpdir_server):
    server, spool = tmpdir_server
    with RawConnection(server.port) as conn:
        body = _part_head(name="other") + BLOCK * 2 + TAIL  # the required "file" field is missing
        conn.request("POST", "/streaming/upload-digest", _headers(len(body)), body)
        r = conn.read_response()
    assert r.status == 422
    assert list(spool.iterdir()) == []
    assert os.path.isdir(spool)


def test_unauthenticated_upload_is_refused_before_anything_is_spooled(tmpdir_server):
    """Auth runs before the body: no byte of a refused upload is read or written to disk."""
    server, spool = tmpdir_server
    head = _part_head()
    with RawConnection(server.port, timeout=30) as conn:
        conn.request("POST", "/streaming/upload-protected", _headers(len(head) + 64 * MIB + len(TAIL)))
        conn.send(head + BLOCK)
        r = conn.read_response()
        assert r.status == 401
        assert r.header("access-control-allow-origin") == ORIGIN
    assert list(spool.iterdir()) == []
