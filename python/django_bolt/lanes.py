"""Request lanes of async routes with Django middleware: one thread per request for its
thread-sensitive sync work.

Django's ASGI handler runs each request inside asgiref's ``ThreadSensitiveContext``, so that the
sync middleware hooks, ``sync_to_async(thread_sensitive=True)`` calls and ORM work of one request
share one thread: thread-local state a middleware sets (django-tenants' schema, say) is what the
handler's queries see. ``async_request_lane`` does the same for an async route with Django
middleware, with a reused thread (a "lane") instead of a new one per request; routes without
Django middleware never enter it and keep asgiref's single thread-sensitive thread.

The lane's database connections are the request's: when the request touched the database, the
lane runs ``db.request_finished`` as the request ends, so a connection is closed or given back
to its pool as after any request (only then may another request take the lane).
At most ``MAX_IDLE_LANES`` wait for the next request; a lane beyond that closes its connections
and stops.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync, ThreadSensitiveContext

#: Idle lanes kept for the next requests; each holds its own database connections between
#: requests only under ``CONN_MAX_AGE`` > 0.
MAX_IDLE_LANES = 16


class _LaneExecutor(ThreadPoolExecutor):
    """A lane's thread. A subclass, so that ``BoltEventLoop.run_in_executor`` does not resolve the
    awaiting future on it under the loop's lock: a task continued there could block the lane on
    a sync read that waits for another lane, which in turn waits for that lock (a deadlock).
    Asyncio's own hand-back (``call_soon_threadsafe``) needs no lock.

    It counts the calls not finished yet: a request can stop waiting for one (``wait_for``, a
    cancelled request) while the lane still runs it, and no other request may take the lane before
    it ends (``when_idle``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unfinished = 0
        self._count_lock = threading.Lock()
        self._on_idle: Callable[[], None] | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._count_lock:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Any) -> None:
        with self._count_lock:
            self._unfinished -= 1
            callback, self._on_idle = (self._on_idle, None) if self._unfinished == 0 else (None, self._on_idle)
        if callback is not None:
            callback()

    def when_idle(self, callback: Callable[[], None]) -> None:
        """``callback()`` now if no call is unfinished, else when the last one ends."""
        with self._count_lock:
            if self._unfinished:
                self._on_idle = callback
                return
        callback()


class AsyncLane:
    """One lane: a one-thread executor, and what its end-of-request cleanup needs to know."""

    __slots__ = ("executor", "touched", "check_at")

    def __init__(self) -> None:
        self.executor = _LaneExecutor(
            max_workers=1, thread_name_prefix="bolt-lane", initializer=_bind, initargs=(self,)
        )
        #: Set on the lane thread by the execute wrapper of its connections (``db``).
        self.touched = False
        #: When a kept connection passes ``CONN_MAX_AGE`` (monotonic), per ``request_finished``.
        self.check_at: float | None = None


_this_thread = threading.local()


class _LaneRequest:
    """A request's hold on its lane; tasks it started keep it in their context after it ended."""

    __slots__ = ("lane", "over")

    def __init__(self, lane: AsyncLane) -> None:
        self.lane = lane
        self.over = False


_current: contextvars.ContextVar[_LaneRequest | None] = contextvars.ContextVar("bolt_async_lane", default=None)
_idle: list[AsyncLane] = []
_idle_lock = threading.Lock()


def _bind(lane: AsyncLane) -> None:
    _this_thread.lane = lane


def lane_of_this_thread() -> AsyncLane | None:
    """The lane the calling thread is, if it is one."""
    return getattr(_this_thread, "lane", None)


def current_async_lane() -> AsyncLane | None:
    """The lane of the async request the caller's context belongs to: None outside one, and in a
    task that outlived its request (the lane may serve another request by then)."""
    request = _current.get()
    return None if request is None or request.over else request.lane


def on_async_lane_thread(lane: AsyncLane) -> bool:
    """Whether the calling thread is ``lane``'s thread."""
    return getattr(_this_thread, "lane", None) is lane


def _take() -> AsyncLane:
    with _idle_lock:
        if _idle:
            return _idle.pop()
    return AsyncLane()


def _end_request(lane: AsyncLane) -> None:
    """On the lane thread: Django's end of request for the connections the request used."""
    from . import db  # db reads which thread is a lane from here

    due = db.request_finished()
    lane.check_at = None if due is None else time.monotonic() + due


def _retire(lane: AsyncLane) -> None:
    """On the lane thread: closes its connections (a pooled one goes back to its pool)."""
    from . import db

    db.close_thread_connections()


def _stop(lane: AsyncLane) -> None:
    lane.executor.submit(_retire, lane)
    lane.executor.shutdown(wait=False)


def retire_idle_lanes() -> None:
    """Stops the lanes waiting for a request, each after closing its connections."""
    with _idle_lock:
        idle = _idle[:]
        _idle.clear()
    for lane in idle:
        _stop(lane)


def _cleanup_due(lane: AsyncLane) -> bool:
    return lane.touched or (lane.check_at is not None and time.monotonic() >= lane.check_at)


def _give_back(lane: AsyncLane) -> None:
    """The request is over: once the lane has run all its calls, it waits for the next request,
    or stops beyond the idle limit."""
    lane.executor.when_idle(lambda: _keep_or_stop(lane))


def _keep_or_stop(lane: AsyncLane) -> None:
    with _idle_lock:
        if len(_idle) < MAX_IDLE_LANES:
            _idle.append(lane)
            return
    _stop(lane)


class async_request_lane:  # noqa: N801 - used as ``async with async_request_lane():``
    """The lane of one async request with Django middleware, for the time of the block. A block
    inside another's (several Django middleware entries on one route) shares the outer lane."""

    __slots__ = ("_lane", "_context", "_token", "_request")

    async def __aenter__(self) -> AsyncLane:
        outer = current_async_lane()
        if outer is not None:
            self._lane = None
            return outer
        lane = self._lane = _take()
        # The context's executor is the lane (asgiref would start a thread per request); given
        # through asgiref's map rather than ``executor=``, which asgiref < 3.11 lacks.
        context = self._context = ThreadSensitiveContext()
        await context.__aenter__()
        SyncToAsync.context_to_thread_executor[context] = lane.executor
        self._request = _LaneRequest(lane)
        self._token = _current.set(self._request)
        return lane

    async def __aexit__(self, *exc_info: Any) -> None:
        lane = self._lane
        if lane is None:
            return
        _current.reset(self._token)
        self._request.over = True
        # Taken back first: asgiref shuts down the executor it finds there.
        SyncToAsync.context_to_thread_executor.pop(self._context, None)
        try:
            await self._context.__aexit__(*exc_info)
            if _cleanup_due(lane):
                # Awaited, as Django's ASGI handler awaits request_finished: once the response
                # is out, the request's connections are closed or given back.
                lane.touched = False
                await asyncio.get_running_loop().run_in_executor(lane.executor, _end_request, lane)
        finally:
            _give_back(lane)


__all__ = [
    "AsyncLane",
    "async_request_lane",
    "retire_idle_lanes",
    "current_async_lane",
    "lane_of_this_thread",
    "on_async_lane_thread",
]
