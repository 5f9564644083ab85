"""File and FileResponse: content type, disposition, validators, 304, ranges, HEAD, confinement."""

from __future__ import annotations

import email.utils
import os

import httpx
import pytest

from tests.streaming.conftest import PATTERN

DATA = PATTERN * 1024


def test_file_response_headers_and_body(http: httpx.Client):
    r = http.get("/streaming/files/hello.txt")
    assert r.status_code == 200
    assert r.content == b"hello, files\n"
    assert r.headers["content-type"] == "text/plain"
    assert r.headers["content-length"] == "13"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["etag"].startswith('"')
    assert email.utils.parsedate_to_datetime(r.headers["last-modified"])
    assert "content-disposition" not in r.headers
    assert http.get("/streaming/files/page.html").headers["content-type"] == "text/html"


def test_large_file_streams_whole(http: httpx.Client):
    r = http.get("/streaming/files/data.bin")
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(DATA))
    assert r.content == DATA


def test_in_memory_file(http: httpx.Client):
    r = http.get("/streaming/memory-files/data.bin")
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["content-type"] == "application/octet-stream"


def test_attachment_filename_is_encoded(http: httpx.Client):
    r = http.get("/streaming/files/hello.txt", params={"download": "true"})
    assert r.headers["content-disposition"] == "attachment; filename=\"hello.txt\"; filename*=UTF-8''hello.txt"


def test_conditional_requests_get_304(http: httpx.Client):
    first = http.get("/streaming/files/hello.txt")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    r = http.get("/streaming/files/hello.txt", headers={"if-none-match": etag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["etag"] == etag
    assert http.get("/streaming/files/hello.txt", headers={"if-none-match": f'W/{etag}, "x"'}).status_code == 304
    assert http.get("/streaming/files/hello.txt", headers={"if-none-match": '"other"'}).status_code == 200
    assert http.get("/streaming/files/hello.txt", headers={"if-modified-since": modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert http.get("/streaming/files/hello.txt", headers={"if-modified-since": old}).status_code == 200


def test_single_ranges(http: httpx.Client):
    r = http.get("/streaming/files/data.bin", headers={"range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.content == DATA[10:20]
    assert r.headers["content-range"] == f"bytes 10-19/{len(DATA)}"
    assert r.headers["content-length"] == "10"
    tail = http.get("/streaming/files/data.bin", headers={"range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == DATA[-5:]
    big = http.get("/streaming/files/data.bin", headers={"range": "bytes=1000-"})
    assert big.status_code == 206 and big.content == DATA[1000:]
    # Several ranges: the whole file (allowed by RFC 9110).
    assert http.get("/streaming/files/data.bin", headers={"range": "bytes=0-1,5-6"}).status_code == 200


def test_unsatisfiable_range_is_416(http: httpx.Client):
    r = http.get("/streaming/files/hello.txt", headers={"range": "bytes=100-"})
    assert r.status_code == 416
    assert r.headers["content-range"] == "bytes */13"
    assert r.json() == {"detail": "Range Not Satisfiable"}


def test_if_range_mismatch_sends_whole_file(http: httpx.Client):
    r = http.get("/streaming/files/hello.txt", headers={"range": "bytes=0-1", "if-range": '"stale"'})
    assert r.status_code == 200 and r.content == b"hello, files\n"
    etag = http.get("/streaming/files/hello.txt").headers["etag"]
    r = http.get("/streaming/files/hello.txt", headers={"range": "bytes=0-1", "if-range": etag})
    assert r.status_code == 206 and r.content == b"he"


def test_head_has_headers_without_body(http: httpx.Client):
    r = http.head("/streaming/files/data.bin")
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(DATA))
    assert r.content == b""


def test_missing_file_is_404(http: httpx.Client):
    r = http.get("/streaming/files/nope.txt")
    assert r.status_code == 404 and r.json() == {"detail": "File not found"}


def test_paths_outside_allowed_roots_are_refused(http: httpx.Client, files_root):
    inside = str(files_root / "hello.txt")
    assert http.get("/streaming/file-path", params={"path": inside}).status_code == 200
    for path in (
        "/etc/passwd",
        f"{files_root}/../{files_root.name}-outside/secret.txt",
        f"{files_root}/../../etc/passwd",
        str(files_root / "escape.txt"),  # a symlink pointing out of the root
        f"{inside}\x00.png",
    ):
        r = http.get("/streaming/file-path", params={"path": path})
        assert r.status_code in (403, 404), (path, r.status_code)
        assert b"secret" not in r.content and b"root:" not in r.content
        assert r.json()["detail"]
    assert http.get("/streaming/file-path", params={"path": "/etc/passwd"}).status_code == 403


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_pseudo_files_are_refused_not_served_empty_without_allowed_roots(start_server, files_root):
    """/proc files report size 0 but have content: a 200 would be empty (or, for /sys, cut)."""
    (files_root / "empty.txt").write_bytes(b"")
    server = start_server(BOLT_TEST_NO_FILE_ROOTS="1")
    with server.client() as client:
        for pseudo in ("/proc/self/status", "/proc/self/cmdline", "/sys/kernel/mm/transparent_hugepage/enabled"):
            if not os.path.exists(pseudo):
                continue
            r = client.get("/streaming/file-path", params={"path": pseudo})
            assert r.status_code == 403, (pseudo, r.status_code, r.content[:200])
            assert "size is not known" in r.json()["detail"]
        # Ordinary files, an empty one included, are still served from anywhere.
        r = client.get("/streaming/file-path", params={"path": str(files_root / "hello.txt")})
        assert (r.status_code, r.text) == (200, "hello, files\n")
        r = client.get("/streaming/file-path", params={"path": str(files_root / "empty.txt")})
        assert (r.status_code, r.content, r.headers["content-length"]) == (200, b"", "0")
    assert "panicked" not in server.stderr()


def make_big_file(files_root, size: int):
    big = files_root / "big.bin"
    if not big.exists() or big.stat().st_size != size:
        with open(big, "wb") as f:
            f.truncate(size)  # sparse: quick to make, read back as zeros
    return big


def test_large_download_arrives_whole(files_root, server):
    """A 64 MiB FileResponse read by a client arrives complete. (How little the server's memory
    grows meanwhile is measured by bench/suite_thresholds.py.)"""
    size = 64 * 1024 * 1024
    make_big_file(files_root, size)
    received = 0
    with server.client() as client, client.stream("GET", "/streaming/files/big.bin") as r:
        assert r.headers["content-length"] == str(size)
        for chunk in r.iter_raw(1024 * 1024):
            assert chunk.count(0) == len(chunk)
            received += len(chunk)
    assert received == size
