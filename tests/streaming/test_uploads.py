"""Multipart uploads: spooled to a temporary file above BOLT_MEMORY_SPOOL_THRESHOLD (64 KiB in the
test settings), removed after the request; File(max_size=) and BOLT_MAX_UPLOAD_SIZE give 413."""

from __future__ import annotations

import hashlib
import uuid

import httpx
from django.conf import settings
from django_bolt import BoltAPI
from django_bolt.testing import TestClient

from tests.testapp import streaming_api

THRESHOLD = settings.BOLT_MEMORY_SPOOL_THRESHOLD


def _upload(client: httpx.Client, size: int) -> tuple[str, httpx.Response]:
    name = uuid.uuid4().hex[:12]
    content = b"PK\x03\x04" + b"z" * (size - 4)
    r = client.post("/streaming/upload", params={"name": name}, files={"file": ("a.zip", content, "application/zip")})
    return name, r


def _check_spooling(client: httpx.Client) -> None:
    name, small = _upload(client, THRESHOLD)
    assert small.json() == {"size": THRESHOLD, "read": THRESHOLD, "on_disk": False, "head": "PK\x03\x04"}
    name, big = _upload(client, THRESHOLD * 3)
    assert big.json() == {"size": THRESHOLD * 3, "read": THRESHOLD * 3, "on_disk": True, "head": "PK\x03\x04"}
    # The handler saw a real file; once the response was produced it was deleted.
    assert client.get("/streaming/stream-state").json()["uploads"][name] is False


def test_uploads_in_process():
    api = BoltAPI()
    api.mount("/streaming", streaming_api.api)
    with TestClient(api) as client:
        _check_spooling(client)
        _, too_big = _upload(client, 2_000_001)  # File(max_size=2_000_000)
        assert too_big.status_code == 413
        assert too_big.json() == {"detail": 'File "a.zip" is larger than 2000000 bytes'}


def test_uploads_over_a_socket(start_server):
    server = start_server(BOLT_TEST_MAX_UPLOAD="3000000")
    with server.client() as client:
        _check_spooling(client)
        assert _upload(client, 2_000_001)[1].status_code == 413
        overall = _upload(client, 3_000_001)[1]  # BOLT_MAX_UPLOAD_SIZE
        assert overall.status_code == 413
        assert "limit" in overall.json()["detail"]


def test_in_process_uploads_use_the_same_parser():
    api = BoltAPI()
    api.mount("/streaming", streaming_api.api)
    content = bytes(range(256)) * (THRESHOLD * 3 // 256) + b"\r\n--not-the-boundary\r\n"
    with TestClient(api) as client:
        r = client.post("/streaming/upload-digest", data={"note": "hi"}, files={"file": ("b.bin", content)})
        assert r.json() == {
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "on_disk": True,
            "note": "hi",
        }
        # Text fields stay in memory, so the spool threshold bounds them too.
        big_note = {"note": "x" * (THRESHOLD + 1)}
        r = client.post("/streaming/upload-digest", data=big_note, files={"file": ("b.bin", b"x")})
        assert r.status_code == 413
        assert r.json() == {"detail": f'Form field "note" is larger than {THRESHOLD} bytes'}
