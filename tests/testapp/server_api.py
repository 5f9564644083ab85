"""The API served by the real-socket tests (tests/server): BOLT_TEST_API=tests.testapp.server_api.api."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated

import msgspec
from django_bolt import BoltAPI, Request, Response
from django_bolt.params import Query

from tests.testapp.models import Article

api = BoltAPI()


class Item(msgspec.Struct):
    name: str
    price: float
    count: int
    tags: list[str] = []


class ArticleIn(msgspec.Struct):
    title: str
    body: str = ""
    published: bool = False


def article_out(a: Article) -> dict:
    return {"id": a.pk, "title": a.title, "body": a.body, "published": a.published}


@api.get("/hello")
async def hello() -> dict:
    return {"message": "hello"}


@api.get("/sync-hello")
def sync_hello() -> dict:
    return {"message": "hello from a thread"}


@api.get("/items/{item_id}")
async def get_item(item_id: int, q: str | None = None) -> dict:
    return {"item_id": item_id, "q": q}


@api.post("/echo")
async def echo(payload: Item) -> dict:
    return {"name": payload.name, "price": payload.price, "count": payload.count, "tags": payload.tags}


@api.post("/echo-sync")
def echo_sync(payload: Item) -> dict:
    return {"name": payload.name, "price": payload.price, "count": payload.count, "tags": payload.tags}


@api.get("/search")
async def search(q: str) -> dict:
    return {"q": q}


@api.get("/page")
async def page(n: Annotated[int, Query(ge=1, le=100)]) -> dict:
    return {"n": n}


@api.get("/headers")
async def headers(request: Request) -> dict:
    return {"count": len(request.headers), "host": request.headers.get("host")}


@api.get("/slow")
async def slow(delay: float = 1.0) -> dict:
    await asyncio.sleep(delay)
    return {"slept": delay}


@api.get("/slow-marked")
async def slow_marked(marker: str, delay: float = 1.0) -> dict:
    """Creates the file ``marker`` once running, so a test knows the request is in flight."""
    with open(marker, "w"):
        pass
    await asyncio.sleep(delay)
    return {"slept": delay}


@api.get("/sync-slow")
def sync_slow(delay: float = 1.0) -> dict:
    time.sleep(delay)
    return {"slept": delay}


# Rendezvous: a request waits until `want` requests with its `key` are in flight at once (or
# `timeout` passes) and returns the most it saw. Requests served one after another each see 1, so
# the handlers themselves prove concurrency, whatever the machine's speed.
_in_flight: dict[str, int] = {}
_peak: dict[str, int] = {}
_arrivals = threading.Condition()


def _arrive(key: str, delta: int) -> None:
    with _arrivals:
        _in_flight[key] = _in_flight.get(key, 0) + delta
        _peak[key] = max(_peak.get(key, 0), _in_flight[key])
        _arrivals.notify_all()


@api.get("/rendezvous")
async def rendezvous(key: str, want: int, timeout: float = 5.0) -> dict:
    _arrive(key, 1)
    try:
        deadline = time.monotonic() + timeout
        while _peak[key] < want and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return {"peak": _peak[key]}
    finally:
        _arrive(key, -1)


@api.get("/sync-rendezvous")
def sync_rendezvous(key: str, want: int, timeout: float = 5.0) -> dict:
    _arrive(key, 1)
    try:
        # One blocking wait, woken by arrivals only (like a handler blocked in I/O).
        with _arrivals:
            _arrivals.wait_for(lambda: _peak[key] >= want, timeout)
            return {"peak": _peak[key]}
    finally:
        _arrive(key, -1)


@api.get("/segment/{value}")
async def segment(value: str) -> dict:
    """One path segment, decoded (an encoded slash included)."""
    return {"value": value}


@api.get("/sync-spin")
def sync_spin(key: str, seconds: float = 5.0) -> dict:
    """Runs Python (holding the GIL in turns) for ``seconds``; in flight under ``key`` meanwhile."""
    _arrive(key, 1)
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
        return {"spun": seconds}
    finally:
        _arrive(key, -1)


@api.get("/in-flight")
async def in_flight(key: str) -> dict:
    import os

    with _arrivals:
        return {"in_flight": _in_flight.get(key, 0), "pid": os.getpid()}


@api.get("/boom")
def boom() -> dict:
    raise RuntimeError("kaboom: sync handler failed")


@api.get("/boom-async")
async def boom_async() -> dict:
    await asyncio.sleep(0)
    raise ValueError("kaboom: async handler failed")


@api.post("/articles")
async def create_article(data: ArticleIn) -> dict:
    article = await Article.objects.acreate(title=data.title, body=data.body, published=data.published)
    return article_out(article)


@api.get("/articles")
async def list_articles(published: bool | None = None) -> list[dict]:
    qs = Article.objects.all()
    if published is not None:
        qs = qs.filter(published=published)
    return [article_out(a) async for a in qs]


@api.get("/articles/{article_id}")
async def get_article(article_id: int) -> dict:
    article = await Article.objects.aget(pk=article_id)
    return article_out(article)


@api.post("/sync/articles")
def create_article_sync(data: ArticleIn) -> dict:
    return article_out(Article.objects.create(title=data.title, body=data.body, published=data.published))


@api.get("/sync/articles")
def list_articles_sync() -> list[dict]:
    return [article_out(a) for a in Article.objects.all()]


@api.get("/boom/{token}")
def boom_named(token: str) -> dict:
    raise RuntimeError(f"kaboom for {token}")


@api.get("/boom-async/{token}")
async def boom_async_named(token: str) -> dict:
    await asyncio.sleep(0)
    raise ValueError(f"kaboom for {token}")


@api.get("/boom-async-early")
async def boom_async_early() -> dict:
    raise KeyError("kaboom: async handler failed before its first await")


@api.get("/status/{code}")
async def status(code: int) -> Response:
    return Response(b"status body", status_code=code, media_type="text/plain")


@api.get("/custom-headers")
async def custom_headers(name: str, value: str) -> Response:
    return Response(b"custom", headers={name: value}, media_type="text/plain")


@api.get("/big")
def big(size: int = 1_000_000) -> Response:
    return Response(b"x" * size, media_type="application/octet-stream")


@api.get("/current-task")
async def current_task() -> dict:
    before = asyncio.current_task() is not None
    await asyncio.sleep(0)
    return {"before_first_await": before, "after_first_await": asyncio.current_task() is not None}


@api.get("/timeout-block")
async def timeout_block(delay: float = 0.01, limit: float = 1.0) -> dict:
    """``asyncio.timeout`` as the handler's first statement (it needs ``asyncio.current_task()``).

    ``entered``/``fired``: time.monotonic() (one clock for every process on the machine) when the
    handler started and when its timeout fired, so a test can prove what ran meanwhile."""
    entered = time.monotonic()
    try:
        async with asyncio.timeout(limit):
            await asyncio.sleep(delay)
    except TimeoutError:
        return {"timed_out": True, "entered": entered, "fired": time.monotonic()}
    return {"timed_out": False, "entered": entered}


@api.get("/wait-for")
async def wait_for(delay: float = 0.01) -> dict:
    await asyncio.wait_for(asyncio.sleep(delay), timeout=1)
    return {"ok": True}


@api.get("/gather")
async def gather() -> dict:
    results = await asyncio.gather(asyncio.sleep(0.01, result=1), asyncio.sleep(0.02, result=2))
    return {"results": results}


@api.get("/busy")
async def busy(seconds: float = 0.3, then_sleep: float = 0.0) -> dict:
    """Holds the event loop (no await) for ``seconds`` after its first await, then sleeps.
    Returns when it started and finished (time.monotonic())."""
    started = time.monotonic()
    await asyncio.sleep(0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    await asyncio.sleep(then_sleep)
    return {"busy": seconds, "started": started, "finished": time.monotonic()}


@api.get("/pid")
async def pid() -> dict:
    import os

    return {"pid": os.getpid()}


@api.get("/client")
async def client_info(request: Request) -> dict:
    return {"client": request.client[0] if request.client else None, "url": request.build_absolute_uri()}


from tests.testapp import streaming_api  # noqa: E402 - mounted after this module's own routes

api.mount("/streaming", streaming_api.api)


# --- auth over the real socket (tests/server/test_auth.py) -------------------------------------
from django_bolt.auth import (  # noqa: E402
    APIKeyAuthentication,
    IsAuthenticated,
    IsStaff,
    JWTAuthentication,
    create_jwt_for_user,
)

jwt_auth = JWTAuthentication()


@api.post("/auth-test/users")
async def auth_test_user(username: str, staff: bool = False) -> dict:
    from django.contrib.auth import get_user_model

    user = await get_user_model().objects.acreate(username=username, is_staff=staff)
    return {"token": create_jwt_for_user(user)}


@api.get("/auth-test/me", auth=[jwt_auth], guards=[IsAuthenticated()])
def auth_test_me(request: Request) -> dict:
    return {"username": request.user.username, "sub": request.context["sub"]}


@api.get("/auth-test/ame", auth=[jwt_auth], guards=[IsAuthenticated()])
async def auth_test_ame(request: Request) -> dict:
    user = await request.auser()
    return {"username": user.username}


@api.get("/auth-test/staff", auth=[jwt_auth], guards=[IsStaff()])
async def auth_test_staff() -> dict:
    return {"staff": True}


@api.post("/auth-test/echo", auth=[jwt_auth], guards=[IsAuthenticated()])
async def auth_test_echo(data: dict) -> dict:
    return {"keys": sorted(data)}


@api.get("/auth-test/key", auth=[APIKeyAuthentication(api_keys=["socket-key-1"])], guards=[IsAuthenticated()])
async def auth_test_key(request: Request) -> dict:
    return {"auth": request.auth_backend}


@api.get("/auth-test/readme", auth=[jwt_auth], guards=[IsAuthenticated()])
async def auth_test_readme(request: Request) -> dict:
    # The release's README: request.user in an async handler.
    return {"username": request.user.username}


def _username_of(request: Request) -> str:
    return request.user.username


@api.get("/auth-test/helper", auth=[jwt_auth], guards=[IsAuthenticated()])
async def auth_test_helper(request: Request) -> dict:
    await asyncio.sleep(0)  # a handler that suspends: it runs as a task on the event loop
    return {"username": _username_of(request)}


from django_bolt.auth import AuthenticationFailed, BaseAuthentication  # noqa: E402


class SocketTicket(BaseAuthentication):
    """A custom backend: ``X-Ticket: <username>`` (the user must exist); ``X-Ticket: bad`` fails."""

    scheme = "Ticket"

    async def authenticate(self, request: Request):
        from django.contrib.auth import get_user_model

        ticket = request.headers.get("x-ticket")
        if ticket is None:
            return None
        if ticket == "bad":
            raise AuthenticationFailed("Ticket refused")
        return await get_user_model().objects.filter(username=ticket).afirst()


class SyncSocketTicket(SocketTicket):
    def authenticate(self, request: Request):
        from django.contrib.auth import get_user_model

        ticket = request.headers.get("x-ticket")
        if ticket == "bad":
            raise AuthenticationFailed("Ticket refused")
        return get_user_model().objects.filter(username=ticket).first() if ticket else None


@api.get("/auth-test/ticket", auth=[SocketTicket()], guards=[IsAuthenticated()])
async def auth_test_ticket(request: Request) -> dict:
    return {"username": request.user.username, "staff": request.context["is_staff"]}


@api.get("/auth-test/sync-ticket", auth=[SyncSocketTicket()])
def auth_test_sync_ticket(request: Request) -> dict:
    return {"username": request.user.username, "staff": request.context["is_staff"]}


@api.get("/auth-test/ticket-staff", auth=[jwt_auth, SyncSocketTicket()], guards=[IsStaff()])
async def auth_test_ticket_staff(request: Request) -> dict:
    return {"staff": request.user.username}


# Framing headers set by user code: the server computes its own, on static and handler routes.
_FRAMING = {"content-length": "99", "transfer-encoding": "chunked", "connection": "close"}
api.static("/static-framing", Response(b"abc", headers=_FRAMING, media_type="text/plain"))


@api.get("/handler-framing")
async def handler_framing() -> Response:
    return Response(b"abc", headers=_FRAMING, media_type="text/plain")


# Class-based views over a real socket (tests/server/test_views.py).
from django_bolt import ModelViewSet, PageNumberPagination  # noqa: E402
from django_bolt.serializers import Serializer  # noqa: E402

from tests.testapp.models import Author, Book  # noqa: E402


class _AuthorMini(Serializer):
    id: int
    name: str


class _BookOut(Serializer):
    id: int
    title: str
    pages: int
    author: _AuthorMini


class _BookIn(Serializer):
    title: str
    pages: int = 0
    author: int


class _TwoPerPage(PageNumberPagination):
    page_size = 2


@api.viewset("/vs/books")
class ServerBooks(ModelViewSet):
    queryset = Book.objects.all()
    serializer_class = _BookOut
    create_serializer_class = _BookIn
    update_serializer_class = _BookIn
    pagination_class = _TwoPerPage


@api.post("/vs/authors")
async def server_make_author(name: str) -> dict:
    author = await Author.objects.acreate(name=name)
    return {"id": author.pk}


from tests.testapp import handoff_routes  # noqa: E402

handoff_routes.register(api)
