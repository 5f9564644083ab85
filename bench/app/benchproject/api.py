"""Benchmark endpoints.

Uses only the public surface shared by every django-bolt build we compare:
``BoltAPI``, ``HTML``, msgspec Structs, ``@cors`` and ``@rate_limit``.
"""

import msgspec
from benchapp.models import Row
from django_bolt import BoltAPI
from django_bolt.middleware import cors, rate_limit
from django_bolt.responses import HTML

api = BoltAPI()


class Entry(msgspec.Struct):
    id: int
    label: str
    score: float
    active: bool
    attrs: dict[str, str]


class ItemBatch(msgspec.Struct):
    name: str
    tags: list[str]
    entries: list[Entry]


@api.get("/")
async def index():
    return {"message": "hello", "ok": True}


@api.get("/cors-limited")
@cors(origins=["https://bench.example"])
@rate_limit(rps=1_000_000_000, burst=1_000_000_000)
async def cors_limited():
    return {"message": "hello", "ok": True}


@api.get("/items/{item_id}")
async def get_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@api.post("/items")
async def create_items(batch: ItemBatch):
    return {"name": batch.name, "count": len(batch.entries), "tags": len(batch.tags)}


@api.get("/html")
async def html_page():
    return HTML("<h1>Hello from the benchmark</h1>")


@api.get("/orm")
async def orm_rows():
    return [{"id": r.id, "name": r.name, "value": r.value} async for r in Row.objects.order_by("id")[:10]]


# The floor: a static route served entirely in Rust (this package only; the release has no such API).
if hasattr(api, "static"):
    api.static("/floor", {"message": "hello", "ok": True})


# WebSocket echo for bench/ws_echo.py (both builds have `api.websocket` and this `WebSocket`).
if hasattr(api, "websocket"):
    from django_bolt.websocket import WebSocket

    @api.websocket("/ws/echo")
    async def ws_echo(websocket: WebSocket):
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)
