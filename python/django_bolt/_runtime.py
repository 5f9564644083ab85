"""Process-wide runtime pieces the Rust pipeline calls into: the event loop and error bodies."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import datetime
import decimal
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import msgspec

from . import _json
from .exceptions import HTTPException, RequestValidationError
from .request import UploadFile
from .responses import Response

logger = logging.getLogger("django_bolt")

_loop: asyncio.AbstractEventLoop | None = None
_loop_thread: int = 0
_loop_lock = threading.Lock()


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if kind == "uvloop":
                raise
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def event_loop(kind: str = "auto") -> asyncio.AbstractEventLoop:
    """The process's event loop, running in a daemon thread; created on first use."""
    global _loop, _loop_thread
    with _loop_lock:
        if _loop is None:
            loop = _new_loop(kind)
            ready = threading.Event()

            def run() -> None:
                global _loop_thread
                _loop_thread = threading.get_ident()
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="bolt-event-loop", daemon=True).start()
            ready.wait()
            _loop = loop
        return _loop


class _LoopProxy(asyncio.AbstractEventLoop):
    """Stands in for a uvloop loop while a coroutine's first step runs on a Rust thread.

    libuv handles are not thread-safe, so every loop method the coroutine calls during that step
    is run on the loop thread and waited for. Coroutines that never touch the loop pay nothing.
    The pure-asyncio loop keeps its state in Python objects guarded by the GIL and is used as is.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, loop_thread: int) -> None:
        object.__setattr__(self, "_bolt_loop", loop)
        object.__setattr__(self, "_bolt_thread", loop_thread)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__"):
            return object.__getattribute__(self, name)
        loop = object.__getattribute__(self, "_bolt_loop")
        attr = getattr(loop, name)
        if not callable(attr) or threading.get_ident() == object.__getattribute__(self, "_bolt_thread"):
            return attr

        def on_loop_thread(*args: Any, **kwargs: Any) -> Any:
            done: concurrent.futures.Future[Any] = concurrent.futures.Future()

            def run() -> None:
                try:
                    done.set_result(attr(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                    done.set_exception(exc)

            loop.call_soon_threadsafe(run)
            return done.result()

        return on_loop_thread


def _step_loop(loop: asyncio.AbstractEventLoop, loop_thread: int) -> Any:
    """The object installed as the running loop while a coroutine's first step runs."""
    if type(loop).__module__.startswith("asyncio"):
        return loop
    return _LoopProxy(loop, loop_thread)


class _Resume:
    """Awaitable that continues a coroutine already stepped once, starting at what it awaits."""

    __slots__ = ("coro", "pending")

    def __init__(self, coro: Any, pending: Any) -> None:
        self.coro = coro
        self.pending = pending

    def __await__(self) -> Any:
        coro, pending = self.coro, self.pending
        self.coro = self.pending = None
        while True:
            try:
                yield pending
            except BaseException as exc:  # noqa: BLE001 - forwarded into the coroutine
                step: Callable[..., Any] = coro.throw
                arg: Any = exc
            else:
                step, arg = coro.send, None
            try:
                pending = step(arg)
            except StopIteration as stop:
                return stop.value


async def _continue(coro: Any, pending: Any) -> Any:
    return await _Resume(coro, pending)


def _resume(coro: Any, pending: Any, context: contextvars.Context, done: Callable[[Any], None]) -> None:
    loop = asyncio.get_running_loop()
    task = context.run(loop.create_task, _continue(coro, pending))
    task.add_done_callback(done)


def error_body(exc: BaseException, tb: Any, debug: bool) -> bytes:
    """Logs an unhandled exception and returns the 500 body (with the traceback only in DEBUG)."""
    if tb is not None and exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    logger.error("Unhandled exception in handler", exc_info=(type(exc), exc, exc.__traceback__))
    if not debug:
        return b'{"detail":"Internal Server Error"}'
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return msgspec.json.encode({"detail": f"{type(exc).__name__}: {exc}", "traceback": "".join(lines).splitlines()})


def anonymous_user() -> Any:
    try:
        from django.contrib.auth.models import AnonymousUser
    except Exception:  # noqa: BLE001 - auth app not installed or not ready
        return None
    return AnonymousUser()


async def auser(request: Any) -> Any:
    return request.user


def runtime(event_loop_kind: str = "auto") -> dict[str, Any]:
    """The objects handed to Rust when an app is compiled."""
    loop = event_loop(event_loop_kind)
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
        "upload_file": UploadFile,
        "error_body": error_body,
        "anonymous_user": anonymous_user,
        "auser": auser,
        "loop": loop,
        "step_loop": _step_loop(loop, _loop_thread),
        "resume": _resume,
        "set_running_loop": asyncio.events._set_running_loop,
        "context": contextvars.Context,
    }
