"""The API served by the real-socket middleware tests (BOLT_TEST_API=tests.testapp.middleware_api.api)."""

from __future__ import annotations

from django_bolt import BoltAPI, Request
from django_bolt.middleware import CompressionConfig, cors, no_compress, rate_limit

api = BoltAPI(compression=CompressionConfig(backend="gzip", minimum_size=100))

TEXT = "compress me " * 200


@api.get("/open")
async def open_() -> dict:
    return {"ok": True}


@api.post("/upload")
@cors(origins=["https://upload.example"])
async def upload(request: Request) -> dict:
    return {"size": len(request.body)}


@api.get("/text")
async def text() -> dict:
    return {"text": TEXT}


@api.get("/text-raw")
@no_compress
async def text_raw() -> dict:
    return {"text": TEXT}


@api.get("/limited")
@rate_limit(rps=0.01, burst=3)
async def limited() -> dict:
    return {"ok": True}


@api.get("/limited-xff")
@rate_limit(rps=0.01, burst=2)
async def limited_xff() -> dict:
    return {"ok": True}


@api.get("/shared")
@rate_limit(rps=0.01, burst=5)
async def shared() -> dict:
    return {"ok": True}


@api.get("/shared-burst")
@rate_limit(rps=0.01, burst=20)
async def shared_burst() -> dict:
    return {"ok": True}
