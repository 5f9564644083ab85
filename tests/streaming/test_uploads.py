"""Multipart uploads: spooled to a temporary file above BOLT_MEMORY_SPOOL_THRESHOLD (64 KiB in the
test settings), removed after the request; File(max_size=) gives the 422 ``file_too_large`` and BOLT_MAX_UPLOAD_SIZE
a 413, both before the rest of the body is read."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

import httpx
import msgspec
import pytest
from django.conf import settings
from django_bolt import BoltAPI, UploadFile
from django_bolt.params import File, Form
from django_bolt.testing import TestClient

from tests.testapp import streaming_api

THRESHOLD = settings.BOLT_MEMORY_SPOOL_THRESHOLD


def _upload(client: httpx.Client, size: int) -> tuple[str, httpx.Response]:
    name = uuid.uuid4().hex[:12]
    content = b"PK\x03\x04" + b"z" * (size - 4)
    r = client.post("/streaming/upload", params={"name": name}, files={"file": ("a.zip", content, "application/zip")})
    return name, r


def _assert_too_large(body: dict, max_size: int) -> None:
    """The 422 for a part over File(max_size=): sent once that many bytes are exceeded (the
    size is what was received then)."""
    [error] = body["detail"]
    assert (error["loc"], error["type"]) == (["body", "file"], "file_too_large")
    assert error["msg"].startswith(f'File "a.zip" exceeds the maximum size of {max_size} bytes (')
    assert error["ctx"]["max_size"] == max_size
    assert error["ctx"]["actual_size"] > max_size


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
        assert too_big.status_code == 422
        _assert_too_large(too_big.json(), 2_000_000)


def test_uploads_over_a_socket(start_server):
    server = start_server(BOLT_TEST_MAX_UPLOAD="3000000")
    with server.client() as client:
        _check_spooling(client)
        assert _upload(client, 2_000_001)[1].status_code == 422
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


NAME_BOUNDARY = "name-test-boundary"


def _named_part(filename: bytes) -> tuple[bytes, dict[str, str]]:
    """A multipart body with one file part whose ``filename`` parameter is exactly ``filename``."""
    body = (
        b'--%s\r\nContent-Disposition: form-data; name="file"; filename=%s\r\n'
        b"Content-Type: text/plain\r\n\r\ndata\r\n--%s--\r\n"
    ) % (NAME_BOUNDARY.encode(), filename, NAME_BOUNDARY.encode())
    return body, {"Content-Type": f"multipart/form-data; boundary={NAME_BOUNDARY}"}


@pytest.fixture(params=["in-process", "socket"])
def post_raw(request: pytest.FixtureRequest):
    """Posts raw bytes to a path, in process or over the real socket; returns (status, JSON)."""
    if request.param == "in-process":
        api = BoltAPI()
        api.mount("/streaming", streaming_api.api)
        with TestClient(api) as client:
            yield lambda path, body, headers: (lambda r: (r.status_code, r.json()))(
                client.post(path, content=body, headers=headers)
            )
    else:
        from tests.server.wire import roundtrip

        server = request.getfixturevalue("server")
        yield lambda path, body, headers: (lambda r: (r.status, r.json()))(
            roundtrip(server.port, "POST", path, headers, body)
        )


@pytest.mark.parametrize(
    ("sent", "base"),
    [
        (b'"report.pdf"', "report.pdf"),
        (b'"../../x"', "x"),
        (b"../../etc/passwd", "passwd"),  # unquoted
        (b'"/etc/passwd"', "passwd"),
        (b'"C:\\Users\\me\\..\\evil.bat"', "evil.bat"),  # bare backslashes, as browsers send them
        (b'"dir/a\x00b.txt"', "ab.txt"),
        (b'"a/.."', ""),
        (b'"."', ""),
        (b'"dir/"', ""),
        (b'""', ""),
        ('"r\u00e9sum\u00e9.txt"'.encode(), "r\u00e9sum\u00e9.txt"),
    ],
)
def test_upload_filename_is_a_base_name_and_the_raw_name_is_kept(post_raw, sent, base):
    body, headers = _named_part(sent)
    status, data = post_raw("/streaming/upload-name", body, headers)
    assert status == 200, data
    assert data["filename"] == base
    raw = sent.decode("utf-8")
    assert data["raw_filename"] == (raw[1:-1] if raw.startswith('"') else raw)


@pytest.mark.parametrize(
    "disposition",
    [
        b'form-data; name="file"; filename="unterminated.txt',
        b'form-data; name="file; filename="x.txt"',
        b'form-data; name="file"; filename="a"b"',
    ],
    ids=["filename", "name", "text-after-quote"],
)
def test_unterminated_quoted_parameter_is_400(post_raw, disposition):
    body = b"--%s\r\nContent-Disposition: %s\r\n\r\ndata\r\n--%s--\r\n" % (
        NAME_BOUNDARY.encode(),
        disposition,
        NAME_BOUNDARY.encode(),
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={NAME_BOUNDARY}"}
    status, data = post_raw("/streaming/upload-name", body, headers)
    assert status == 400, data
    assert "quoted" in data["detail"]


class _Profile(msgspec.Struct):
    avatar: UploadFile


@pytest.mark.parametrize("size", [10, THRESHOLD * 2], ids=["in-memory", "spooled"])
def test_uploads_are_closed_once_the_response_exists(size):
    api = BoltAPI()
    kept: list[UploadFile] = []

    @api.post("/async")
    async def read_async(file: Annotated[UploadFile, File()]):
        kept.append(file)
        return {"size": len(await file.read())}

    @api.post("/sync")
    def read_sync(files: Annotated[list[UploadFile], File()]):
        kept.extend(files)
        return {"count": len(files)}

    @api.post("/fails")
    async def fails(file: Annotated[UploadFile, File()]):
        kept.append(file)
        raise RuntimeError("after taking the upload")

    @api.post("/struct")
    async def in_struct(data: Annotated[_Profile, Form()]):
        kept.append(data.avatar)
        return {}

    content = b"x" * size
    with TestClient(api) as client:
        assert client.post("/async", files={"file": ("a.bin", content)}).json() == {"size": size}
        two = [("files", ("a.bin", content)), ("files", ("b.bin", content))]
        assert client.post("/sync", files=two).json() == {"count": 2}
        assert client.post("/fails", files={"file": ("a.bin", content)}).status_code == 500
        assert client.post("/struct", files={"avatar": ("a.bin", content)}).status_code == 200
    assert len(kept) == 5
    assert all(upload.raw_file.closed for upload in kept)
