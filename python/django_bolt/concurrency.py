"""Blocking code (the Django ORM, blocking I/O) called from async code without blocking the loop.

Two bounded thread pools, created on first use:

* the ORM pool (``_get_orm_executor``): framework-initiated database work off the event loop,
  i.e. loading ``request.user``/``await request.auser()`` and ``run_in_orm_executor``. Each call
  there ends like a request of its own (``db.in_own_request``): a broken connection, one past
  ``CONN_MAX_AGE`` or an open transaction is dropped, as Django does at the end of a request.
* the blocking pool (``_get_default_executor``): ``sync_to_thread``, for any blocking callable.

Both copy the caller's ``contextvars`` into the thread, so request-scoped state (a tenant-aware
database router, say) applies there. Sync handlers do not need either: the server already runs
them on its own blocking threads.

A sync route with Django middleware runs its whole request on one thread, the "request lane" of
the release: the middleware's hooks, then the handler, then the hooks again. ``in_lane_mode()``
is True there (``run_on_lane``), so thread-local state a middleware sets (django-tenants' shape)
is what the handler reads; ORM work of its ``async_to_sync`` calls comes back to it.

An async route with Django middleware gets a lane too (``async_request_lane``, in
``lanes.py``): one thread for all its thread-sensitive sync work (the middleware's sync hooks,
``sync_to_async(thread_sensitive=True)``, ``sync_to_thread``, ORM work and a sync ``request.user``
read), as Django's ASGI handler gives each request with asgiref's ``ThreadSensitiveContext``. A
sync ``request.user`` read on another thread of such a request (``asyncio.to_thread``) raises
``LaneAffinityError``: that thread cannot wait for the lane, which may be waiting for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import AsyncToSync, sync_to_async

from .db import in_own_request
from .lanes import async_request_lane, current_async_lane, on_async_lane_thread

T = TypeVar("T")

#: One SELECT per user load; four threads keep several loads in flight without holding many
#: database connections.
_ORM_THREADS = 4
#: Generic blocking work (HTTP calls, files) waits on I/O, so more threads than cores help.
_BLOCKING_THREADS = min(32, (os.cpu_count() or 1) + 4)

_orm_executor: ThreadPoolExecutor | None = None
_default_executor: ThreadPoolExecutor | None = None
# Two first callers on different threads must not each build (and leak) a pool.
_executors_lock = threading.Lock()
_orm_thread = threading.local()


class LaneAffinityError(RuntimeError):
    """A sync ORM call (a read of ``request.user``) of an async request with Django middleware,
    made on a thread that is neither the event loop nor the request's lane (``asyncio.to_thread``,
    ``sync_to_async(thread_sensitive=False)``): the query must run on the lane, with the
    thread-local state of the request's middleware, and that thread cannot wait for the lane."""


OFF_LANE_USER_READ = (
    "request.user was read on a thread that cannot reach the lane of its request (an async route with "
    "Django middleware runs its sync work on one thread, with the thread-local state its middleware set): "
    "read request.user on the request's own thread, or use `await request.auser()` in async code"
)


def _mark_orm_thread() -> None:
    """Initializer of each ORM pool thread: lets ``in_orm_executor_thread`` recognise it."""
    _orm_thread.in_pool = True


def in_orm_executor_thread() -> bool:
    """Whether the calling thread is a thread of the ORM pool."""
    return getattr(_orm_thread, "in_pool", False)


_lane = threading.local()


def in_lane_mode() -> bool:
    """Whether the calling thread runs a whole request with Django middleware (``run_on_lane``):
    never on an event loop, nor in work handed to a pool."""
    return getattr(_lane, "active", False)


#: True in the context of a lane's request, also in the coroutines its ``async_to_sync`` calls
#: run on another thread: their ORM work goes back to the lane (``_lane_executor``).
_lane_request: contextvars.ContextVar[bool] = contextvars.ContextVar("bolt_lane_request", default=False)


def run_on_lane(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` with ``in_lane_mode()`` True on this thread until it returns: a sync Django
    middleware stack running its request and handler here. A stack inside another leaves the
    flag to the outer one."""
    if getattr(_lane, "active", False):
        return fn(*args)
    _lane.active = True
    token = _lane_request.set(True)
    try:
        return fn(*args)
    finally:
        _lane_request.reset(token)
        _lane.active = False


def _lane_executor() -> Any:
    """Where ORM work of a lane's request runs, so that it uses the request's own thread, with its
    connection (and open transaction) and the thread-local state its middleware set: on the loop
    of an ``async_to_sync`` called by a lane (sync or async), the executor the lane thread waits
    in (asgiref's); in an async lane request otherwise, the lane. None without a lane."""
    if _lane_request.get():
        return getattr(AsyncToSync.executors, "current", None)
    lane = current_async_lane()
    if lane is None:
        return None
    return getattr(AsyncToSync.executors, "current", None) or lane.executor


def on_async_lane(run: Callable[[Any], Any], where: str, handler: Callable[..., Any]) -> Callable[[Any], Any]:
    """``run(request)`` (an async route's middleware chain with Django middleware) on a lane of its
    own per request; a ``LaneAffinityError`` says which route and handler (the read may sit deep in
    a helper), and in dev mode the fix is logged once per route."""
    code = getattr(handler, "__code__", None)
    defined = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "<unknown>"
    hinted = False

    async def on_lane(request: Any) -> Any:
        nonlocal hinted
        try:
            async with async_request_lane():
                return await run(request)
        except LaneAffinityError as exc:
            if not hinted and _dev_mode():
                hinted = True
                logging.getLogger("django_bolt").warning(
                    "%s read request.user off its request's lane: use `await request.auser()` (or a "
                    "CurrentUser parameter) in async code. Reported once per route.",
                    where,
                )
            raise LaneAffinityError(f"{exc} (route {where}, handler defined at {defined})") from exc

    on_lane.bolt_async_lane = True  # type: ignore[attr-defined]
    return on_lane


def _dev_mode() -> bool:
    from django.conf import settings

    from .supervisor import is_dev_worker

    return bool(settings.DEBUG) or is_dev_worker()


def _without_parent_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on a lane while the event loop blocks waiting for it: asgiref must not take
    that loop for the lane's parent loop, or an ``async_to_sync`` inside ``fn`` would schedule its
    coroutine on it and never return (it then runs its own loop, as on any thread)."""
    from asgiref.sync import SyncToAsync

    local = SyncToAsync.threadlocal
    saved = getattr(local, "main_event_loop", None), getattr(local, "main_event_loop_pid", None)
    local.main_event_loop = local.main_event_loop_pid = None
    try:
        return fn(*args)
    finally:
        local.main_event_loop, local.main_event_loop_pid = saved


def _pool(name: str, **options: Any) -> ThreadPoolExecutor:
    """The pool held in the module global ``name``, built with ``options`` on first use."""
    executor = globals()[name]
    if executor is None:
        with _executors_lock:
            executor = globals()[name]
            if executor is None:
                executor = globals()[name] = ThreadPoolExecutor(**options)
    return executor


def _get_orm_executor() -> ThreadPoolExecutor:
    return _pool(
        "_orm_executor", max_workers=_ORM_THREADS, thread_name_prefix="bolt_orm_pool", initializer=_mark_orm_thread
    )


def _get_default_executor() -> ThreadPoolExecutor:
    return _pool("_default_executor", max_workers=_BLOCKING_THREADS, thread_name_prefix="bolt-blocking")


def _orm_pool_for_caller() -> ThreadPoolExecutor:
    """The ORM pool, except on one of its own threads (an event loop started there): waiting on
    the pool from inside it could wait for the slot the caller holds, so that work goes to the
    blocking pool instead."""
    return _get_default_executor() if in_orm_executor_thread() else _get_orm_executor()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def run_in_orm_executor(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on the ORM pool, awaited; the caller's contextvars apply there. Under an
    ``async_to_sync`` of a lane's request it runs on the lane instead."""
    if current_async_lane() is not None:
        # asgiref picks the lane, or the executor of an ``async_to_sync`` the lane waits in.
        return await sync_to_async(fn, thread_sensitive=True)(*args)
    context = contextvars.copy_context()
    lane = _lane_executor()
    if lane is not None:
        return await asyncio.wrap_future(lane.submit(context.run, fn, *args))
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_orm_pool_for_caller(), context.run, in_own_request, fn, *args)


def _inline_on_lane(context: contextvars.Context, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` right here, with no running loop for its duration (Django refuses ORM calls
    under one; the loop waits for this call either way)."""
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        return context.run(_without_parent_loop, fn, *args)
    finally:
        asyncio.events._set_running_loop(loop)


def run_orm_blocking(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` for callers that cannot await (a sync read of ``request.user``).

    On a thread without a running event loop (a sync handler's thread) it runs right there. On
    an event loop thread, where Django refuses ORM queries, it runs on the ORM pool and the
    caller waits for it (the loop is blocked meanwhile: ``await request.auser()`` is the form
    that does not block); under an ``async_to_sync`` of a lane's request, on the lane. Always in
    a copy of the caller's contextvars."""
    context = contextvars.copy_context()
    if _running_loop() is None:
        lane = current_async_lane()
        if lane is not None and not on_async_lane_thread(lane):
            raise LaneAffinityError(OFF_LANE_USER_READ)
        return context.run(fn, *args)
    lane = _lane_executor()
    if lane is not None:
        async_lane = current_async_lane()
        if async_lane is not None and on_async_lane_thread(async_lane):
            # A task continued on its lane (``BoltEventLoop`` resolves a future on the thread
            # that did the work): the lane is this thread, busy with this very call.
            return _inline_on_lane(context, fn, *args)
        return lane.submit(context.run, _without_parent_loop, fn, *args).result()
    return _orm_pool_for_caller().submit(context.run, in_own_request, fn, *args).result()


#: A sync ``request.user`` read that holds the event loop this long is reported in dev mode.
SLOW_LOOP_READ_SECONDS = 0.05
#: (file, line) of each slow read reported, so each line is reported once per process.
_reported_slow_reads: set[tuple[str, int]] = set()
_FRAMEWORK_DIRS = tuple(f"{os.sep}{name}{os.sep}" for name in ("django_bolt", "django", "asgiref"))


def report_slow_loop_read(waited: float) -> None:
    """In dev mode (``DEBUG``, or a ``runbolt --dev`` worker), logs the line of the code whose
    sync read of ``request.user`` made the event loop wait ``waited`` seconds: the first caller
    outside bolt, Django and asgiref (a helper, a template tag, a serializer)."""
    if waited < SLOW_LOOP_READ_SECONDS:
        return
    if not _dev_mode():
        return
    import sys

    frame = sys._getframe(1)
    while frame is not None and any(part in frame.f_code.co_filename for part in _FRAMEWORK_DIRS):
        frame = frame.f_back
    where = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("<unknown>", 0)
    if where in _reported_slow_reads:
        return
    _reported_slow_reads.add(where)
    logging.getLogger("django_bolt").warning(
        "request.user read at %s:%d blocked the event loop for %.0f ms while the user loaded: in "
        "async code use `await request.auser()` (or a CurrentUser parameter). Reported once per line.",
        where[0],
        where[1],
        waited * 1000,
    )


def _is_unevaluated_queryset(value: Any) -> bool:
    return getattr(value, "_result_cache", 0) is None and hasattr(value, "_iterable_class")


async def load_queryset(value: T) -> T:
    """``value``, with its rows loaded on the ORM pool when it is a QuerySet whose query has not
    run yet (a helper's lazy QuerySet returned from async code, about to be read on the loop)."""
    if _is_unevaluated_queryset(value):
        await run_in_orm_executor(value._fetch_all)  # type: ignore[attr-defined]
    return value


async def sync_to_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` on the blocking pool, awaited; the caller's contextvars apply
    there. For blocking work called from an ``async def`` handler, e.g.
    ``rows = await sync_to_thread(list, Book.objects.all())``. In an async request with Django
    middleware, on the request's lane instead (the thread-local state its middleware set)."""
    if current_async_lane() is not None:
        return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)
    context = contextvars.copy_context()
    call = functools.partial(fn, *args, **kwargs) if kwargs else fn
    loop = asyncio.get_running_loop()
    if kwargs:
        return await loop.run_in_executor(_get_default_executor(), context.run, in_own_request, call)
    return await loop.run_in_executor(_get_default_executor(), context.run, in_own_request, call, *args)


__all__ = [
    "LaneAffinityError",
    "in_lane_mode",
    "in_orm_executor_thread",
    "run_in_orm_executor",
    "run_orm_blocking",
    "sync_to_thread",
]
