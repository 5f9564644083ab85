"""Process-wide runtime pieces the Rust pipeline calls into: the event loop and error bodies."""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import decimal
import logging
import sys
import threading
import traceback
import types
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec

from . import _json, db
from ._core import flush_writer_wakes, hold_writer_wakes
from ._loop_timers import TupleTimerHeapMixin
from ._results import shaped_response, stream_result
from ._schema import LockedLoopRecord, RuntimeRecord
from .exceptions import HTTPException, RequestValidationError, ResponseValidationError
from .request import UploadFile
from .responses import Response, StreamingResponse, _FileBase
from .serializers.base import Serializer, serializer_output
from .streaming.chunks import open_stream

#: Server errors (unhandled exceptions, failed response validation): a child of ``django_bolt``,
#: under the release's name, so configuring either logger reaches them.
error_logger = logging.getLogger("django_bolt.error_handlers")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()

_LoopBase: type[asyncio.AbstractEventLoop] = getattr(asyncio, "ProactorEventLoop", asyncio.SelectorEventLoop)
if sys.platform != "win32":
    _LoopBase = asyncio.SelectorEventLoop


class _UnlockedWhileWaiting:
    """Wraps the loop's selector: the loop lock is released while the loop waits for I/O.

    The loop thread takes the lock once when the loop starts; from then on it holds it at all
    times except inside ``select``, i.e. whenever it runs callbacks. ``select`` is also where a
    loop pass ends: the streamed chunks the pass queued are handed to their writers then, with one
    wake-up of the serving thread for all of them (``src/python/wake_batch.rs``).
    """

    def __init__(self, selector: Any, lock: threading.Lock) -> None:
        self._inner = selector
        self._wait = selector.select
        self._release = lock.release
        self._acquire = lock.acquire

    def select(self, timeout: float | None = None) -> Any:
        flush_writer_wakes()
        self._release()
        try:
            return self._wait(timeout)
        finally:
            self._acquire()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


#: Rounds of ready callbacks a pool thread runs after resolving a future (``_resolve``).
_INLINE_PASSES = 8


class BoltEventLoop(TupleTimerHeapMixin, _LoopBase):  # type: ignore[misc, valid-type]
    """The asyncio loop with a lock held whenever it runs callbacks (its timers and ready queue:
    ``_loop_timers``).

    A Rust thread takes the same lock to run a coroutine's first step as an eager task: for that
    moment the loop's state (ready queue, timers, the current task) is the step's alone, exactly as
    if it ran on the loop thread, so ``asyncio.current_task()``, ``asyncio.timeout()`` and friends
    work from the handler's first statement.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bolt_lock = threading.Lock()
        self._selector = _UnlockedWhileWaiting(self._selector, self.bolt_lock)

    def run_forever(self) -> None:
        with self.bolt_lock:
            hold_writer_wakes(True)
            try:
                super().run_forever()
            finally:
                hold_writer_wakes(False)

    def _check_thread(self) -> None:
        """Debug mode's "non-thread-safe operation" check: a thread running a step for the loop
        under its lock has the loop as its running loop, and stands in for the loop thread."""
        if asyncio.events._get_running_loop() is self:
            return
        super()._check_thread()  # type: ignore[misc]

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Work for a thread pool (``sync_to_async``, ``run_in_executor``) hands its result back on
        the pool's thread: under the loop's lock that thread resolves the future and runs the
        callbacks it made ready (``_resolve``), so the awaiting task continues there instead of
        waking the loop thread (three thread crossings per call became two)."""
        if executor is None and not self._debug:
            executor = self._default_executor
            if executor is None:
                return super().run_in_executor(None, func, *args)  # creates the default pool
        # A loop that is not running has no thread to stand in for: stock asyncio then.
        if self._debug or type(executor) is not ThreadPoolExecutor or not self.is_running():
            return super().run_in_executor(executor, func, *args)
        self._check_closed()
        future = self.create_future()
        executor.submit(self._run_and_resolve, future, func, args)
        return future

    def _run_and_resolve(self, future: asyncio.Future[Any], func: Callable[..., Any], args: tuple) -> None:
        if future.cancelled():  # cancelled while queued: never started, as with wrap_future
            return
        try:
            result = func(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task, like a pool future
            self._resolve(future, None, exc)
        else:
            self._resolve(future, result, None)

    def _resolve(self, future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
        ready = self._ready  # type: ignore[attr-defined]
        with self.bolt_lock:
            timers = len(self._scheduled)  # type: ignore[attr-defined]
            previous = asyncio.events._get_running_loop()
            asyncio.events._set_running_loop(self)
            try:
                if not future.cancelled():
                    if exc is None:
                        future.set_result(result)
                    elif type(exc) is StopIteration:  # a Future refuses it (stock asyncio then never resolves)
                        future.set_exception(RuntimeError(repr(exc)))
                    else:
                        future.set_exception(exc)
                # A bounded number of passes: a callback that keeps rescheduling itself is left
                # to the loop thread.
                for _ in range(_INLINE_PASSES):
                    todo = len(ready)
                    if not todo:
                        break
                    for _ in range(todo):
                        handle = ready.popleft()
                        if not handle._cancelled:
                            handle._run()
            finally:
                asyncio.events._set_running_loop(previous)
            wake = bool(ready) or len(self._scheduled) != timers or self._stopping  # type: ignore[attr-defined]
        if wake:
            self._write_to_self()  # type: ignore[attr-defined]


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    # "auto" is BoltEventLoop even with uvloop installed: Rust runs a handler's first step under its
    # lock with no thread hop, which uvloop cannot offer (GET / ~19,400 instructions/request
    # against ~48,500 under uvloop, docs/notes/rloop.md). uvloop only when asked for by name.
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return BoltEventLoop()


def event_loop(kind: str = "auto") -> asyncio.AbstractEventLoop:
    """The process's event loop, running in a daemon thread; created on first use."""
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = _new_loop(kind)
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="bolt-event-loop", daemon=True).start()
            ready.wait()
            _loop = loop
        return _loop


def _eager_task_before_312(
    coro: Any, *, loop: asyncio.AbstractEventLoop, context: contextvars.Context, eager_start: bool = True
) -> Any:
    """``asyncio.Task(coro, loop=..., context=..., eager_start=True)`` for Python < 3.12, which has
    no eager tasks: create the task, take its scheduled first step out of the ready queue (Rust
    holds the loop lock, so the loop is not reading it) and run it here."""
    task = context.run(loop.create_task, coro)
    ready = loop._ready  # type: ignore[attr-defined]
    for handle in reversed(ready):
        if getattr(handle._callback, "__self__", None) is task:
            ready.remove(handle)
            handle._run()
            break
    return task


def locked_loop(loop: asyncio.AbstractEventLoop) -> LockedLoopRecord | None:
    """What Rust needs to start coroutines under the loop's lock (``src/python/locked_loop.rs``);
    None for loops without that lock (uvloop)."""
    if not isinstance(loop, BoltEventLoop):
        return None
    return {
        "event_loop": loop,
        "lock": loop.bolt_lock,
        "set_running_loop": asyncio.events._set_running_loop,
        "ready": loop._ready,  # type: ignore[attr-defined]
        "wake": loop._write_to_self,  # type: ignore[attr-defined]
        "context": contextvars.Context,
        "context_run": contextvars.Context.run,
        "eager_task": asyncio.Task if sys.version_info >= (3, 12) else _eager_task_before_312,
    }


def first_step_on_loop(loop: asyncio.AbstractEventLoop) -> Callable[[Any, Callable[[Any], None]], Any]:
    """For loops without the lock (uvloop, whose internals are not thread-safe): the task starts on
    the loop thread. The lock-guarded loop starts tasks from Rust (``locked_loop`` above)."""

    def start(coro: Any, done: Callable[[Any], None]) -> None:
        task = contextvars.Context().run(loop.create_task, coro)
        task.add_done_callback(done)

    def first_step(coro: Any, done: Callable[[Any], None]) -> None:
        loop.call_soon_threadsafe(start, coro, done)
        return None

    return first_step


#: Lists that receive every unhandled handler exception while they are here: the test client
#: with ``raise_server_exceptions=True`` puts one for the time of a request.
unhandled_exception_sinks: list[list[BaseException]] = []


#: The ``DEBUG`` values found changed after startup and already reported (once each).
_reported_debug_changes: set[str] = set()


def report_debug_change(debug: bool) -> None:
    """Writes to stderr, once per value, that ``settings.DEBUG`` is no longer the value the server
    started with (``debug``), which it keeps: a test's later ``override_settings(DEBUG=...)``, or
    a value of the wrong type, is never silently ignored."""
    from django.conf import settings

    from ._setting_types import SettingError, to_debug

    raw = getattr(settings, "DEBUG", False)
    try:
        if to_debug(raw) == debug:
            return
        problem = f"DEBUG is {raw!r} but was {debug} when the server started"
    except SettingError as e:
        problem = str(e).rstrip(".")
    if problem not in _reported_debug_changes:
        _reported_debug_changes.add(problem)
        sys.stderr.write(f"django-bolt: {problem}; the server keeps DEBUG = {debug}\n")


def error_body(exc: BaseException, tb: Any, debug: bool, method: str, path: str) -> bytes:
    """Logs an unhandled exception of the request ``method path`` (once, with its traceback, as
    Django's ``django.request`` logs "Internal Server Error: /path") and returns the 500 body
    (with the traceback only in DEBUG)."""
    report_debug_change(debug)
    if tb is not None and exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    for sink in unhandled_exception_sinks:
        sink.append(exc)
    if isinstance(exc, ResponseValidationError):
        # A handler bug, not the client's: said as such (as the release does); which fields
        # failed only in DEBUG, as they describe the server's data.
        error_logger.error(
            "Response Validation Error: %s %s: %s",
            method,
            path,
            exc.errors,
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"status_code": 500, "method": method, "path": path},
        )
        body: dict[str, Any] = {"detail": "Response validation error"}
        if debug:
            body["validation_errors"] = list(exc.errors)
        return msgspec.json.encode(body)
    error_logger.error(
        "Internal Server Error: %s %s",
        method,
        path,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "method": method, "path": path},
    )
    if not debug:
        return b'{"detail":"Internal Server Error"}'
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return msgspec.json.encode({"detail": f"{type(exc).__name__}: {exc}", "traceback": "".join(lines).splitlines()})


def anonymous_user() -> Any:
    try:
        from .auth.users import anonymous_user as falsy_anonymous_user

        return falsy_anonymous_user()
    except Exception:  # noqa: BLE001 - auth app not installed or not ready
        return None


async def auser(request: Any) -> Any:
    # Under Django's AuthenticationMiddleware its async loader (no database access on the loop).
    django_auser = getattr(request, "_bolt_django_auser", None)
    if django_auser is not None:
        user = await django_auser()
        request.user = user
        return user
    return request.user


def runtime(
    event_loop_kind: str = "auto",
    static_finder: Callable[[str], str | None] | None = None,
    error_renderer: Callable[..., Any] | None = None,
) -> RuntimeRecord:
    """The objects handed to Rust when an app is compiled."""
    from django.db.models import QuerySet
    from django.http.response import HttpResponseBase

    from ._django_responses import to_bolt_response, translate_error

    loop = event_loop(event_loop_kind)
    db.install()
    return {
        "json_encode": _json.encode,
        "uuid": uuid.UUID,
        "date": datetime.date,
        "datetime": datetime.datetime,
        "time": datetime.time,
        "timezone": datetime.timezone,
        "timedelta": datetime.timedelta,
        "decimal": decimal.Decimal,
        "int": int,
        "http_exception": HTTPException,
        "validation_error": RequestValidationError,
        "response": Response,
        "upload_file": UploadFile._from_core,
        "error_body": error_body,
        "anonymous_user": anonymous_user,
        "auser": auser,
        "first_step": first_step_on_loop(loop),
        "locked_loop": locked_loop(loop),
        "file_response": _FileBase,
        "streaming_response": StreamingResponse,
        "open_stream": open_stream,
        "serializer_meta": type(Serializer),
        "serializer_output": serializer_output,
        "static_finder": static_finder,
        "error_renderer": error_renderer,
        "django_response": HttpResponseBase,
        "queryset": QuerySet,
        "to_bolt_response": to_bolt_response,
        "translate_error": translate_error,
        "db_request_finished": db.request_finished,
        "orm_request_finished": db.orm_request_finished,
        "generator": types.GeneratorType,
        "async_generator": types.AsyncGeneratorType,
        "stream_result": stream_result,
        "shaped_response": shaped_response,
    }


def find_static(relative_path: str) -> str | None:
    """Django's staticfiles finders (DEBUG): the absolute path of a static file, or None."""
    from django.contrib.staticfiles import finders

    found = finders.find(relative_path)
    return found if isinstance(found, str) else None
