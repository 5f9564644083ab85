"""Async handlers without any ``await``: they cannot suspend, so Rust runs them to their ``return``
in one step without an asyncio task (on the lock-guarded asyncio loop; uvloop starts tasks)."""

import asyncio
import contextvars
import functools
import threading

import pytest
from django_bolt import _runtime
from django_bolt._compile import never_suspends
from django_bolt.exceptions import HTTPException


def _inline_runs() -> bool:
    return isinstance(_runtime._loop, _runtime.BoltEventLoop)


async def _no_await():
    return 1


async def _awaits():
    await asyncio.sleep(0)


async def _async_for(source):
    return [x async for x in source]


async def _async_with(lock):
    async with lock:
        return 1


async def _async_gen():
    yield 1


def _sync():
    return 1


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (_no_await, True),
        (_awaits, False),
        (_async_for, False),
        (_async_with, False),
        (_async_gen, False),
        (_sync, False),
        (functools.partial(_no_await), False),
        (lambda: _no_await(), False),
    ],
)
def test_never_suspends_reads_the_bytecode(fn, expected):
    assert never_suspends(fn) is expected


def test_handler_without_await_runs_on_the_rust_thread_with_the_running_loop(api, client_for):
    seen = {}

    @api.get("/inline")
    async def inline():
        seen["thread"] = threading.current_thread().name
        seen["loop"] = asyncio.get_running_loop()
        seen["task"] = asyncio.current_task()
        return {"ok": True}

    assert client_for(api).get("/inline").json() == {"ok": True}
    assert seen["loop"] is _runtime._loop
    if _inline_runs():
        assert seen["thread"] != "bolt-event-loop"
        assert seen["task"] is None  # documented: no task for a handler that cannot suspend
    else:
        assert seen["task"] is not None


request_tag = contextvars.ContextVar("request_tag", default="unset")


def test_context_variables_do_not_leak_between_requests(api, client_for):
    @api.get("/tag")
    async def tag(value: str | None = None):
        before = request_tag.get()
        if value is not None:
            request_tag.set(value)
        return {"before": before}

    client = client_for(api)
    assert client.get("/tag?value=first").json() == {"before": "unset"}
    assert client.get("/tag").json() == {"before": "unset"}
    assert request_tag.get() == "unset"


def test_a_context_left_empty_is_reused_without_carrying_values(api, client_for):
    # A handler that sets and resets a variable leaves its context empty, so the next
    # never-suspending handler may run in the same one: it must still see the default.
    @api.get("/set-reset")
    async def set_reset():
        token = request_tag.set("inside")
        seen = request_tag.get()
        request_tag.reset(token)
        return {"seen": seen}

    @api.get("/read")
    async def read():
        return {"tag": request_tag.get(), "vars": len(contextvars.copy_context())}

    client = client_for(api)
    baseline = client.get("/read").json()["vars"]
    for _ in range(3):
        assert client.get("/set-reset").json() == {"seen": "inside"}
        assert client.get("/read").json() == {"tag": "unset", "vars": baseline}


def test_tasks_and_timers_scheduled_by_an_inline_handler_run_on_the_loop(api, client_for):
    done = {"task": threading.Event(), "timer": threading.Event()}

    async def background():
        await asyncio.sleep(0)
        done["task"].set()

    @api.get("/spawn")
    async def spawn():
        loop = asyncio.get_running_loop()
        background_task = loop.create_task(background())
        spawn.tasks.add(background_task)  # keep a reference while it runs
        background_task.add_done_callback(spawn.tasks.discard)
        loop.call_later(0.01, done["timer"].set)
        return {"scheduled": True}

    spawn.tasks = set()
    assert client_for(api).get("/spawn").json() == {"scheduled": True}
    # The loop thread sleeps in select: it must have been woken to run them.
    assert done["task"].wait(5)
    assert done["timer"].wait(5)


def test_errors_from_inline_handlers(api, client_for):
    @api.get("/boom")
    async def boom():
        raise ValueError("boom")

    @api.get("/teapot")
    async def teapot():
        raise HTTPException(418, "short and stout")

    client = client_for(api)
    assert client.get("/boom").status_code == 500
    r = client.get("/teapot")
    assert r.status_code == 418
    assert r.json() == {"detail": "short and stout"}
