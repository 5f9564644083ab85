"""Handlers: async stepping from Rust, the sync thread pool, and the Django ORM from both."""

import asyncio
import sys
import threading
import time

import pytest
from asgiref.sync import sync_to_async

from tests.testapp.models import Article


def _on_uvloop() -> bool:
    from django_bolt import _runtime

    return not isinstance(_runtime._loop, _runtime.BoltEventLoop)


def test_async_handler_first_step_runs_on_the_rust_thread_inside_its_own_task(api, client_for):
    seen = {}

    async def ready():
        return True

    @api.get("/quick")
    async def quick():
        seen["thread"] = threading.current_thread().name
        seen["in_task"] = asyncio.current_task() is not None
        await ready()  # an await that does not suspend: the task finishes in its first step
        return {"ok": True}

    assert client_for(api).get("/quick").json() == {"ok": True}
    assert seen["in_task"] is True
    if not _on_uvloop():
        # Stepped directly on a Rust worker: a coroutine that never suspends never waits for the loop.
        assert seen["thread"] != "bolt-event-loop"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is new in 3.11")
def test_asyncio_timeout_works_from_the_first_statement(api, client_for):
    @api.get("/timeout")
    async def timeout():
        try:
            async with asyncio.timeout(0.05):
                await asyncio.sleep(1)
        except TimeoutError:
            return {"timed_out": True}
        return {"timed_out": False}

    assert client_for(api).get("/timeout").json() == {"timed_out": True}


def test_async_handler_that_suspends_finishes_on_the_event_loop(api, client_for):
    @api.get("/slow")
    async def slow():
        before = threading.current_thread().name
        await asyncio.sleep(0.01)
        after = threading.current_thread().name
        task = asyncio.current_task()
        return {"before": before, "after": after, "task": task is not None}

    data = client_for(api).get("/slow").json()
    assert data["after"] == "bolt-event-loop"
    assert data["task"] is True


def test_async_handler_exceptions_after_suspending(api, client_for):
    @api.get("/late-error")
    async def late_error():
        await asyncio.sleep(0)
        raise ValueError("late")

    assert client_for(api).get("/late-error").status_code == 500


def test_async_handler_can_gather_and_wait_for(api, client_for):
    async def value(n):
        await asyncio.sleep(0.001 * n)
        return n

    @api.get("/gather")
    async def gather():
        results = await asyncio.gather(*(value(n) for n in range(5)))
        late = await asyncio.wait_for(value(1), timeout=5)
        return {"results": results, "late": late}

    assert client_for(api).get("/gather").json() == {"results": [0, 1, 2, 3, 4], "late": 1}


def test_concurrent_suspending_requests_overlap(api, client_for):
    """Ten requests are inside the handler at once: each waits (5 s at most) until all ten are
    there and reports the peak, which requests served one after another could never reach.
    (Elapsed time for the same: bench/suite_thresholds.py.)"""
    in_flight = peak = 0

    @api.get("/sleep")
    async def sleep():
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        deadline = time.monotonic() + 5
        while peak < 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        in_flight -= 1
        return {"peak": peak}

    client = client_for(api)
    results = []

    def call():
        results.append(client.get("/sleep").json())

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [{"peak": 10}] * 10


def test_sync_handlers_run_on_the_thread_pool(api, client_for):
    main = threading.current_thread().name

    @api.get("/sync")
    def sync():
        try:
            asyncio.get_running_loop()
            running = True
        except RuntimeError:
            running = False
        return {"thread": threading.current_thread().name, "running_loop": running}

    data = client_for(api).get("/sync").json()
    assert data["thread"] not in (main, "bolt-event-loop")
    assert data["running_loop"] is False


def test_sync_handlers_run_in_parallel(api, client_for):
    barrier = threading.Barrier(3, timeout=5)

    @api.get("/wait")
    def wait():
        barrier.wait()  # only passes when three handlers run at the same time
        return {"ok": True}

    client = client_for(api)
    results = []
    threads = [threading.Thread(target=lambda: results.append(client.get("/wait").status_code)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [200, 200, 200]


@pytest.mark.django_db(transaction=True)
def test_async_orm_in_async_handlers(api, client_for):
    @api.post("/articles", status_code=201)
    async def create(title: str):
        article = await Article.objects.acreate(title=title)
        return {"id": article.id, "title": article.title}

    @api.get("/articles/{article_id}")
    async def get(article_id: int):
        article = await Article.objects.aget(id=article_id)
        return {"id": article.id, "title": article.title}

    @api.get("/articles")
    async def list_articles():
        return [a.title async for a in Article.objects.all()]

    client = client_for(api)
    created = client.post("/articles?title=first")
    assert created.status_code == 201
    client.post("/articles?title=second")
    assert client.get(f"/articles/{created.json()['id']}").json() == created.json()
    assert client.get("/articles").json() == ["first", "second"]
    assert Article.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_sync_orm_in_sync_handlers(api, client_for):
    @api.post("/articles")
    def create(title: str):
        return {"id": Article.objects.create(title=title, published=True).id}

    @api.get("/articles")
    def list_articles():
        return list(Article.objects.filter(published=True).values("id", "title"))

    @api.get("/queryset")
    def queryset():
        return Article.objects.values_list("title", flat=True)

    client = client_for(api)
    article_id = client.post("/articles?title=x").json()["id"]
    assert client.get("/articles").json() == [{"id": article_id, "title": "x"}]
    assert client.get("/queryset").json() == ["x"]


@pytest.mark.django_db(transaction=True)
def test_sync_orm_in_async_handler_is_refused_like_django_does(api, client_for):
    @api.get("/wrong")
    async def wrong():
        await asyncio.sleep(0)
        return {"count": Article.objects.count()}

    @api.get("/right")
    async def right():
        return {"count": await sync_to_async(Article.objects.count)()}

    client = client_for(api)
    assert client.get("/wrong").status_code == 500  # SynchronousOnlyOperation
    assert client.get("/right").json() == {"count": 0}


def test_event_loop_kind_follows_settings(api, client_for):
    from django.conf import settings

    @api.get("/loop")
    async def loop():
        await asyncio.sleep(0)
        return {"module": type(asyncio.get_running_loop()).__module__}

    module = client_for(api).get("/loop").json()["module"]
    if settings.BOLT_EVENT_LOOP == "uvloop":
        assert module.startswith("uvloop")
    else:
        assert module == "django_bolt._runtime"  # BoltEventLoop, an asyncio loop
