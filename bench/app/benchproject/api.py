"""Benchmark endpoints.

Uses only the public surface shared by every django-bolt build we compare:
``BoltAPI``, ``HTML``, msgspec Structs, ``@cors`` and ``@rate_limit``.
"""

import asyncio
import tempfile
from pathlib import Path

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


# JWT endpoints (both builds: `JWTAuthentication` with the default HS256 and settings.SECRET_KEY).
from django_bolt.auth import IsAuthenticated, JWTAuthentication  # noqa: E402

jwt_auth = [JWTAuthentication()]


@api.get("/jwt", auth=jwt_auth, guards=[IsAuthenticated()])
async def jwt_claims(request):
    context = request.context
    # The release keeps the user id under "user_id" (claims under "auth_claims"); ours has the claims.
    return {"sub": context.get("sub") or context.get("user_id")}


@api.get("/jwt-user", auth=jwt_auth, guards=[IsAuthenticated()])
async def jwt_user(request):
    user = await request.auser()
    return {"username": user.username}


# WebSocket echo for bench/ws_echo.py (both builds have `api.websocket` and this `WebSocket`).
if hasattr(api, "websocket"):
    from django_bolt.websocket import WebSocket

    @api.websocket("/ws/echo")
    async def ws_echo(websocket: WebSocket):
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)


# A 100 KB file for FileResponse (bench/run.py `file`); written once per process, same bytes each time.
FILE_100K = Path(tempfile.gettempdir()) / "django-bolt-bench-100k.bin"
if not FILE_100K.exists() or FILE_100K.stat().st_size != 100 * 1024:
    FILE_100K.write_bytes(bytes(range(256)) * 400)

try:
    from django_bolt.responses import EventSourceResponse, FileResponse, ServerSentEvent
except ImportError:  # a build without them: the file and SSE benchmarks are skipped
    FileResponse = None

if FileResponse is not None:

    @api.get("/file")
    async def file_100k():
        return FileResponse(str(FILE_100K), media_type="application/octet-stream")

    @api.get("/sse")
    async def sse_ticks(interval: float = 0.01):
        """One event every ``interval`` seconds until the client goes away (bench/sse_fanout.py)."""

        async def events():
            i = 0
            while True:
                await asyncio.sleep(interval)
                i += 1
                yield ServerSentEvent(data={"i": i})

        return EventSourceResponse(events(), ping_interval=None)


# A ModelViewSet list: 50 rows a page, each with its foreign key nested (both builds, same code).
from benchapp.models import Title  # noqa: E402
from django_bolt import ModelViewSet, PageNumberPagination  # noqa: E402
from django_bolt.serializers import Serializer  # noqa: E402


class WriterOut(Serializer):
    id: int
    name: str


class TitleOut(Serializer):
    id: int
    name: str
    pages: int
    writer: WriterOut


class FiftyPerPage(PageNumberPagination):
    page_size = 50


@api.viewset("/vs/books")
class TitleViewSet(ModelViewSet):
    queryset = Title.objects.all()
    serializer_class = TitleOut
    pagination_class = FiftyPerPage
