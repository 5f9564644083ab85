"""Compression in process: negotiated from Accept-Encoding (q-values), skipped where it must be."""

from __future__ import annotations

import gzip

import httpx
import pytest
from django_bolt import BoltAPI, Response, _core
from django_bolt.middleware import CompressionConfig, no_compress
from django_bolt.testing import TestClient

TEXT = "hello compression " * 100  # 1,800 bytes, very compressible


def make_api(compression=None) -> BoltAPI:
    api = BoltAPI(compression=compression)

    @api.get("/text")
    async def text() -> Response:
        return Response(TEXT, media_type="text/plain", headers={"etag": '"v1"'})

    @api.get("/json")
    async def json_() -> dict:
        return {"data": TEXT}

    @api.get("/small")
    async def small() -> dict:
        return {"ok": True}

    @api.get("/png")
    async def png() -> Response:
        return Response(b"\x89PNG" + b"\0" * 2000, media_type="image/png")

    @api.get("/encoded")
    async def encoded() -> Response:
        body = gzip.compress(TEXT.encode())
        return Response(body * 2, media_type="text/plain", headers={"content-encoding": "identity"})

    @api.get("/events")
    async def events() -> Response:
        return Response(TEXT, media_type="text/event-stream")

    @api.get("/no-transform")
    async def no_transform() -> Response:
        return Response(TEXT, media_type="text/plain", headers={"cache-control": "no-transform"})

    @api.get("/raw")
    @no_compress
    async def raw() -> dict:
        return {"data": TEXT}

    return api


class Client(TestClient):
    __test__ = False

    def __init__(self, api: BoltAPI) -> None:
        self.app = api.compile()
        super().__init__(self.app)


class Raw:
    """Status, headers and the body bytes as sent (httpx's client would decode them)."""

    def __init__(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status_code = status
        self.headers = httpx.Headers(headers)


def raw_get(client: Client, path: str, accept: str | None):
    headers = [("accept-encoding", accept)] if accept is not None else []
    status, out, body = _core.test_request(client.app, "GET", path, headers, b"", ("127.0.0.1", 1))
    return Raw(status, out), body


def test_brotli_by_default_with_vary_and_weak_etag():
    client = Client(make_api())
    r, body = raw_get(client, "/text", "gzip, deflate, br")
    assert r.headers["content-encoding"] == "br"
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.headers["etag"] == 'W/"v1"'
    assert int(r.headers["content-length"]) == len(body) < len(TEXT)
    brotli = pytest.importorskip("brotli")
    assert brotli.decompress(body).decode() == TEXT


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.1, gzip;q=0.8", "gzip"),
        ("*", "br"),
        ("*;q=0", None),
        ("identity", None),
        ("", None),
        (None, None),
    ],
)
def test_negotiation(accept, expected):
    r, body = raw_get(Client(make_api()), "/json", accept)
    assert r.headers.get("content-encoding") == expected
    if expected == "gzip":
        assert TEXT in gzip.decompress(body).decode()


@pytest.mark.parametrize("backend", ["gzip", "zstd", "brotli"])
def test_each_backend_round_trips(backend):
    client = Client(make_api(CompressionConfig(backend=backend, gzip_fallback=False)))
    token = {"brotli": "br"}.get(backend, backend)
    r, body = raw_get(client, "/text", token)
    assert r.headers["content-encoding"] == token
    assert len(body) < len(TEXT)
    if backend == "zstd":
        zstd = pytest.importorskip("zstandard")
        assert zstd.ZstdDecompressor().decompress(body, max_output_size=10**6).decode() == TEXT
    elif backend == "gzip":
        assert gzip.decompress(body).decode() == TEXT
    else:
        assert pytest.importorskip("brotli").decompress(body).decode() == TEXT
    # Without gzip_fallback a client that only takes gzip gets the plain body.
    if backend != "gzip":
        assert raw_get(client, "/text", "gzip")[0].headers.get("content-encoding") is None


@pytest.mark.parametrize("path", ["/small", "/png", "/encoded", "/events", "/no-transform", "/raw"])
def test_not_compressed(path):
    r, _ = raw_get(Client(make_api()), path, "gzip, br, zstd")
    assert r.headers.get("content-encoding") in (None, "identity")


def test_head_and_minimum_size_and_off():
    client = Client(make_api(CompressionConfig(minimum_size=5000)))
    assert raw_get(client, "/text", "br")[0].headers.get("content-encoding") is None
    off = Client(make_api(False))
    r, _ = raw_get(off, "/text", "br")
    assert "content-encoding" not in r.headers and "vary" not in r.headers
    r = Client(make_api()).head("/text", headers={"accept-encoding": "br"})
    assert "content-encoding" not in r.headers


def test_bad_config():
    with pytest.raises(ValueError, match="Invalid backend 'lzma'"):
        CompressionConfig(backend="lzma")
    with pytest.raises(ValueError, match="minimum_size must be non-negative, not -5"):
        CompressionConfig(minimum_size=-5)
    with pytest.raises(TypeError):
        BoltAPI(compression="gzip")
