"""Async handlers that hand work to thread pools (``sync_to_async``, ``run_in_executor``) and carry
on after it: the real-socket tests of tests/server/test_executor_handoff.py.

The pool thread that finished the work resumes the handler (``BoltEventLoop._resolve``); these
routes report which threads ran what, so the tests can check Django's and asgiref's rules.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection

from tests.testapp.models import Article

#: One worker: a second submission waits in the queue until the first is done.
_one_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handoff-test")
_queued_ran: list[str] = []


def _connection_id() -> int:
    connection.ensure_connection()
    return id(connection.connection)


def _nested_async_to_sync() -> dict:
    """Sync code calling async code that calls sync code: asgiref runs the inner sync call on
    this same thread (its CurrentThreadExecutor), not on a pool."""

    async def inner() -> int:
        return await sync_to_async(threading.get_ident)()

    return {"outer": threading.get_ident(), "inner": async_to_sync(inner)()}


def _fail() -> None:
    raise LookupError("raised in the pool thread")


def _stop_iteration() -> None:
    raise StopIteration


def register(api) -> None:
    @api.get("/handoff/threads")
    async def handoff_threads() -> dict:
        first = await sync_to_async(threading.get_ident)()
        after_first = threading.get_ident()
        second = await sync_to_async(threading.get_ident)()
        unsafe = await sync_to_async(threading.get_ident, thread_sensitive=False)()
        return {
            "sensitive": [first, second],
            "unsafe": unsafe,
            "after_first": after_first,
            "task": asyncio.current_task() is not None,
            "loop": asyncio.get_running_loop() is asyncio.get_running_loop(),
        }

    @api.get("/handoff/connection")
    async def handoff_connection() -> dict:
        """Two thread-sensitive calls share the ORM thread's database connection."""
        return {"ids": [await sync_to_async(_connection_id)(), await sync_to_async(_connection_id)()]}

    @api.get("/handoff/orm-after-await")
    async def handoff_orm_after_await() -> dict:
        """Synchronous ORM use after the hand-off still runs on a thread with a running loop:
        Django refuses it there, as on the loop thread."""
        count = await Article.objects.acount()
        try:
            Article.objects.count()
        except SynchronousOnlyOperation:
            return {"refused": True, "count": count}
        return {"refused": False, "count": count}

    @api.get("/handoff/errors")
    async def handoff_errors() -> dict:
        try:
            await sync_to_async(_fail)()
        except LookupError as exc:
            raised = str(exc)
        loop = asyncio.get_running_loop()
        stop = None
        # Only our loop's hand-off turns a StopIteration into an error: a stock asyncio or uvloop
        # future refuses StopIteration and never resolves (so it is not tried there).
        if hasattr(loop, "bolt_lock"):
            try:
                await loop.run_in_executor(_one_worker, _stop_iteration)
            except RuntimeError as exc:
                stop = type(exc).__name__
        return {"raised": raised, "stop_iteration": stop, "bolt_loop": hasattr(loop, "bolt_lock")}

    @api.get("/handoff/then-sleep")
    async def handoff_then_sleep(seconds: float = 0.05) -> dict:
        """A timer armed after the hand-off (on the pool thread) still fires: the loop thread is
        woken to wait for it."""
        await sync_to_async(time.monotonic)()
        started = time.monotonic()
        await asyncio.wait_for(asyncio.sleep(seconds), 5)
        return {"slept": time.monotonic() - started}

    @api.get("/handoff/nested")
    async def handoff_nested() -> dict:
        return await sync_to_async(_nested_async_to_sync)()

    @api.get("/handoff/default-pool")
    async def handoff_default_pool() -> dict:
        loop = asyncio.get_running_loop()
        ident = await loop.run_in_executor(None, threading.get_ident)
        return {"pool": ident, "then": threading.get_ident()}

    @api.get("/handoff/cancel-queued")
    async def handoff_cancel_queued(tag: str) -> dict:
        """The pool's only worker is busy; work cancelled while it waits in the queue never runs."""
        loop = asyncio.get_running_loop()
        busy = loop.run_in_executor(_one_worker, time.sleep, 0.3)
        try:
            await asyncio.wait_for(loop.run_in_executor(_one_worker, _queued_ran.append, tag), 0.05)
        except asyncio.TimeoutError:  # not the builtin TimeoutError before 3.11
            cancelled = True
        else:
            cancelled = False
        await busy
        # Anything still queued behind the busy call has run once this one has.
        await loop.run_in_executor(_one_worker, lambda: None)
        return {"cancelled": cancelled, "ran": tag in _queued_ran}
