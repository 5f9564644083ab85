"""Streamed bodies (``StreamingResponse``, Server-Sent Events) are compressed chunk by chunk with
the API's ``CompressionConfig``; each chunk is flushed, so the client decodes it on arrival."""

from __future__ import annotations

import gzip
import threading

import pytest
from django_bolt import BoltAPI
from django_bolt.middleware import CompressionConfig, no_compress
from django_bolt.responses import EventSourceResponse, StreamingResponse
from django_bolt.testing import TestClient

CHUNKS = ["alpha-", "beta-", "gamma-", "delta"]


def _api(compression=None) -> BoltAPI:
    api = BoltAPI() if compression is None else BoltAPI(compression=compression)

    @api.get("/text")
    async def text():
        async def gen():
            for chunk in CHUNKS:
                yield chunk

        return StreamingResponse(gen(), media_type="text/plain", headers={"Vary": "Cookie", "ETag": '"v1"'})

    @api.get("/events")
    async def events():
        async def gen():
            for i in range(3):
                yield {"i": i}

        return EventSourceResponse(gen())

    @api.get("/raw")
    @no_compress
    async def raw():
        async def gen():
            yield "as it is"

        return StreamingResponse(gen(), media_type="text/plain")

    @api.get("/png")
    async def png():
        async def gen():
            yield b"\x89PNG" * 100

        return StreamingResponse(gen(), media_type="image/png")

    @api.get("/encoded")
    async def encoded():
        async def gen():
            yield gzip.compress(b"compressed by the handler")

        return StreamingResponse(gen(), media_type="text/plain", headers={"Content-Encoding": "gzip"})

    return api


@pytest.mark.parametrize(("backend", "token"), [("brotli", "br"), ("gzip", "gzip"), ("zstd", "zstd")])
def test_each_backend_encodes_a_stream(backend, token) -> None:
    with TestClient(_api(CompressionConfig(backend=backend))) as client:
        answer = client.get("/text", headers={"Accept-Encoding": token})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == token
    assert answer.content == "".join(CHUNKS).encode()  # httpx decoded it
    vary = answer.headers["vary"].lower()
    assert "cookie" in vary and "accept-encoding" in vary
    assert answer.headers["etag"] == 'W/"v1"'  # the encoded bytes are another representation


def test_event_streams_are_compressed_and_negotiated_like_buffered_bodies() -> None:
    with TestClient(_api()) as client:  # BoltAPI's default: brotli, gzip fallback
        events = client.get("/events", headers={"Accept-Encoding": "br"})
        assert events.headers["content-encoding"] == "br"
        assert [line.replace(" ", "") for line in events.text.splitlines() if line] == [
            f'data:{{"i":{i}}}' for i in range(3)
        ]
        assert client.get("/text", headers={"Accept-Encoding": "br;q=0, gzip"}).headers["content-encoding"] == "gzip"
        assert client.get("/text", headers={"Accept-Encoding": "*"}).headers["content-encoding"] == "br"
        plain = client.get("/text", headers={"Accept-Encoding": "deflate"})
        assert "content-encoding" not in plain.headers
        assert "accept-encoding" in plain.headers["vary"].lower()  # another client would get br
        assert plain.content == "".join(CHUNKS).encode()


@pytest.mark.parametrize(
    ("path", "encoding", "body"),
    [("/raw", None, b"as it is"), ("/png", None, b"\x89PNG" * 100), ("/encoded", "gzip", b"compressed by the handler")],
)
def test_streams_left_alone(path, encoding, body) -> None:
    with TestClient(_api()) as client:
        answer = client.get(path, headers={"Accept-Encoding": "br, gzip"})
    assert answer.headers.get("content-encoding") == encoding  # /encoded keeps its own
    assert answer.content == body
    with TestClient(_api(compression=False)) as client:
        assert "content-encoding" not in client.get("/text", headers={"Accept-Encoding": "br"}).headers


@pytest.mark.parametrize("backend", ["brotli", "gzip", "zstd"])
def test_each_chunk_is_decodable_when_it_arrives(backend) -> None:
    """The second chunk is produced only after the client has decoded the first: an encoder that
    held bytes back until the end would leave the client waiting (the producer then gives up)."""
    released = threading.Event()
    api = BoltAPI(compression=CompressionConfig(backend=backend))

    @api.get("/feed")
    def feed():
        def gen():
            yield "first;"
            if released.wait(10):
                yield "second"

        return StreamingResponse(gen(), media_type="text/plain")

    token = {"brotli": "br"}.get(backend, backend)
    with TestClient(api) as client:
        answer = client.get("/feed", headers={"Accept-Encoding": token}, stream=True)
        assert answer.headers["content-encoding"] == token
        chunks = answer.iter_bytes()
        received = b""
        while received != b"first;":
            received += next(chunks)
            assert b"second" not in received
        released.set()
        assert b"".join(chunks) == b"second"


def test_bolt_compression_setting_wins_over_the_apis_own() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test import override_settings

    api = _api(CompressionConfig(backend="brotli"))

    @api.get("/big")
    async def big() -> dict:
        return {"payload": "x" * 2000}

    with override_settings(BOLT_COMPRESSION=CompressionConfig(backend="zstd", gzip_fallback=False)):
        with TestClient(api) as client:
            assert client.get("/big", headers={"Accept-Encoding": "zstd"}).headers["content-encoding"] == "zstd"
            assert client.get("/text", headers={"Accept-Encoding": "zstd"}).headers["content-encoding"] == "zstd"
            assert "content-encoding" not in client.get("/big", headers={"Accept-Encoding": "br"}).headers
    for off in (None, False):
        with override_settings(BOLT_COMPRESSION=off), TestClient(api) as client:
            assert "content-encoding" not in client.get("/big", headers={"Accept-Encoding": "br"}).headers
    with (
        override_settings(BOLT_COMPRESSION="brotli"),
        pytest.raises(ImproperlyConfigured, match="BOLT_COMPRESSION must be a CompressionConfig, None or False"),
    ):
        TestClient(api)
